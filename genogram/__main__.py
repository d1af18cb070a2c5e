"""Command line: ``python -m genogram FAMILY.json -o OUT.svg`` (format from the suffix: svg, png, pdf, dot).

Exit status: 0 drawn; 2 the input is not a usable family (the problems are listed on stderr);
3 Graphviz is missing or failed (the reason is on stderr).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from genogram.model import load
from genogram.problems import FamilyError, RenderError
from genogram.render import FORMATS, render
from genogram.text import text_alternative

EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 3


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m genogram", description="Draw a genogram from a JSON family.")
    parser.add_argument("family", help="the family as JSON (see docs/genogram-format.md); - for stdin")
    parser.add_argument("-o", "--output", required=True, help="where to write: .svg, .png, .pdf or .dot")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="work out ages on this date (default: today)")
    parser.add_argument("--text", action="store_true", help="also print the plain-text description to stdout")
    args = parser.parse_args(argv)

    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        parser.error(f"cannot tell the format from {args.output!r}: end it with .svg, .png, .pdf or .dot")
    try:
        text = sys.stdin.buffer.read() if args.family == "-" else Path(args.family).read_bytes()
    except OSError as exc:
        print(f"Cannot read {args.family}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        family = load(text)
    except FamilyError as exc:
        print(f"{args.family}: the family cannot be drawn:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        data = render(family, fmt, cache=None, as_of=args.as_of)
    except RenderError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_RENDER_FAILED
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"Cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_RENDER_FAILED
    if args.text:
        print(text_alternative(family, as_of=args.as_of))
    return 0


if __name__ == "__main__":
    sys.exit(main())
