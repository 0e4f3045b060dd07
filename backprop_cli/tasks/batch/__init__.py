"""batch: value and gradients at every row of data files (read, chunks, write; job: the local run;
cluster: the same job on Dask)."""
