"""Checking gradients: against finite differences (numeric, points, tensors) and a student's own work
(own_work: numbers and formulas; backward_pass: a backward pass line by line)."""
