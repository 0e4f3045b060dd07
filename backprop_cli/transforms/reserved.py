"""Names generated code must not use as identifiers, built per target language.

Each target's set is made of: its keywords; the names its standard library or runtime binds that
the code could shadow or that a header may define as a macro (Python's builtins, C's <math.h> and
the compiler's predefined macros, JavaScript's globals); every function the generated code calls
(from ``core/library.py``'s spellings); and every function name of backprop's own language.  C also
reserves by pattern what the standard reserves for the implementation (``_X...``, ``__...``) and
<math.h>'s macro families (``M_...``, ``FP_...``, ``MATH_...``), so a name the list forgot is still
safe.  ``tests/test_reserved.py`` checks the C list against what gcc really defines.
"""

from __future__ import annotations

import builtins
import keyword
import re

from ..core import library
from ..core.ops import function_names

_C_KEYWORDS = """auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
_Static_assert _Thread_local alignas alignof bool constexpr false nullptr static_assert thread_local
true typeof typeof_unqual asm fortran main NULL errno"""

# <math.h>: C99/C11 functions (each also with an f and an l suffix), glibc's extras, types, macros.
_C_MATH = """acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh erf erfc exp exp2 expm1
fabs fdim floor fma fmax fmin fmod frexp hypot ilogb ldexp lgamma llrint llround log log10 log1p log2
logb lrint lround modf nan nearbyint nextafter nexttoward pow remainder remquo rint round scalbln
scalbn sin sinh sqrt tan tanh tgamma trunc"""
_C_MATH_EXTRAS = """j0 j1 jn y0 y1 yn gamma drem finite significand scalb exp10 pow10 sincos
lgamma_r gamma_r isinf isnan isfinite isnormal signbit fpclassify isgreater isgreaterequal isless
islessequal islessgreater isunordered issignaling iscanonical issubnormal iszero fmaxmag fminmag
roundeven fromfp ufromfp fromfpx ufromfpx canonicalize totalorder totalordermag getpayload
setpayload setpayloadsig nextup nextdown llogb fadd fsub fmul fdiv dadd dsub dmul ddiv ffma dfma
fsqrt dsqrt matherr signgam float_t double_t exception HUGE HUGE_VAL HUGE_VALF HUGE_VALL INFINITY
NAN SNAN SNANF SNANL math_errhandling FLT_EVAL_METHOD DECIMAL_DIG"""
# Macros compilers predefine without a leading underscore (gcc in its default GNU mode).
_C_PREDEFINED = "linux unix i386 i486 i586 i686 sun sparc mips vax pdp11 ibm032 ns32000 bsd4_2"
_C_PATTERN = re.compile(r"_[A-Z_]|(M|FP|MATH|FLT|DBL|LDBL)_[A-Za-z0-9_]*\Z")

_JS_WORDS = """await break case catch class const continue debugger default delete do else enum export
extends false finally for function if implements import in instanceof interface let new null package
private protected public return static super switch this throw true try typeof var void while with
yield arguments eval undefined NaN Infinity Math Number Object Array String Boolean Symbol BigInt
Error JSON globalThis isNaN isFinite parseFloat parseInt console window self async of get set"""


class Reserved:
    """A set of words plus, for C, the patterns the standard reserves."""

    def __init__(self, words, pattern=None) -> None:
        self.words = frozenset(words)
        self.pattern = pattern

    def __contains__(self, name: str) -> bool:
        return name in self.words or (self.pattern is not None and self.pattern.match(name) is not None)

    def __iter__(self):
        return iter(self.words)


def _c_words() -> set:
    words = set(_C_KEYWORDS.split()) | set(_C_PREDEFINED.split())
    for name in _C_MATH.split() + _C_MATH_EXTRAS.split():
        words |= {name, name + "f", name + "l"}
        if name.endswith("_r"):
            words |= {name[:-2] + "f_r", name[:-2] + "l_r"}
    return words | {"grad"}  # the output array of the generated function


def _python_words() -> set:
    return set(keyword.kwlist) | set(getattr(keyword, "softkwlist", ())) | set(dir(builtins)) | {"math", "np"}


def _build() -> dict:
    language = set(function_names())
    table = {
        "python": _python_words(),
        "numpy": _python_words(),
        "c": _c_words(),
        "js": set(_JS_WORDS.split()),
    }
    return {lang: Reserved(words | language | library.code_names(lang),
                           _C_PATTERN if lang == "c" else None)
            for lang, words in table.items()}


RESERVED = _build()
