"""pip-requirements-parser's file parsing, with one option parser per file.

``pip_requirements_parser.RequirementsFile.from_file`` builds a new optparse parser
for every line (its defaults hold lists that ``append`` options mutate), which costs
about a millisecond a line. This module runs the same steps (``RequirementsFileParser``,
``handle_line``, ``build_req_from_parsedreq``) but builds the parser once and gives each
line a fresh copy of the defaults, so results are identical and 1,000-line files parse
in a fraction of the time. tests/unit/inventory/test_requirements.py checks the equality.
Two things pip does that the library does not are added: ``${VAR}`` expansion from the
environment and the per-requirement ``--config-settings`` option.
"""

from __future__ import annotations

import optparse
import os
import re
import shlex
from typing import Any

import pip_requirements_parser as rp

# pip expands ${NAME} (upper case, digits, underscore) from the environment in every line
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def _expand(line: str) -> str:
    return _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), line)


def _line_parser() -> Any:
    parser = rp.build_parser()
    # per-requirement build settings pip accepts since 23.1; they do not change what is installed
    parser.add_option(optparse.Option("--config-settings", dest="config_settings", action="append"))

    def parse_line(line: str) -> tuple[str, optparse.Values, list[str]]:
        defaults = optparse.Values(
            {k: (list(v) if isinstance(v, list) else v) for k, v in parser.defaults.items()}
        )
        args_str, options_str = rp.break_args_options(_expand(line))
        # without quotes or backslashes shlex.split is str.split, at a fraction of the cost
        plain = not any(c in options_str for c in "\"'\\")
        tokens = options_str.split() if plain else shlex.split(options_str)
        opts, arguments = parser.parse_args(tokens, defaults)
        return args_str, opts, arguments

    return parse_line


def parse_file(filename: str) -> rp.RequirementsFile:
    """Same result as ``RequirementsFile.from_file(filename, include_nested=False)``."""
    requirements: list[rp.InstallRequirement] = []
    options: list[rp.OptionLine] = []
    invalid: list[Any] = []
    comments: list[rp.CommentRequirementLine] = []
    file_parser = rp.RequirementsFileParser(_line_parser())
    for line in file_parser.parse(filename=filename, is_constraint=False, include_nested=False):
        if isinstance(line, rp.CommentRequirementLine):
            comments.append(line)
            continue
        if not isinstance(line, rp.ParsedLine):
            invalid.append(line)
            continue
        for parsed in rp.handle_line(parsed_line=line):
            if parsed is None:
                continue
            if isinstance(parsed, rp.OptionLine):
                options.append(parsed)
                for opt in parsed.options:
                    if opt in rp.LEGACY_OPTIONS_DEST:
                        invalid.append(
                            rp.IncorrectRequirementLine(
                                requirement_line=parsed.requirement_line,
                                error_message="Unsupported, legacy option: "
                                f"{rp.OPT_BY_OPTIONS_DEST[opt]}",
                            )
                        )
                continue
            if isinstance(parsed, (rp.InvalidRequirementLine, rp.CommentRequirementLine)):
                (comments if isinstance(parsed, rp.CommentRequirementLine) else invalid).append(
                    parsed
                )
                continue
            try:
                req = rp.build_req_from_parsedreq(parsed)
            except Exception as exc:  # the library reports any build failure as invalid
                invalid.append(
                    rp.InvalidRequirementLine(
                        requirement_line=parsed.requirement_line, error_message=str(exc).strip()
                    )
                )
                continue
            if req.invalid_options:
                invalid.append(
                    rp.InvalidRequirementLine(
                        requirement_line=parsed.requirement_line,
                        error_message="Invalid global options, not supported with a "
                        f"requirement spec: {rp.dumps_global_options(req.invalid_options)}",
                    )
                )
            else:
                requirements.append(req)
    return rp.RequirementsFile(
        filename=filename,
        requirements=requirements,
        options=options,
        invalid_lines=invalid,
        comments=comments,
    )


__all__ = ["parse_file"]
