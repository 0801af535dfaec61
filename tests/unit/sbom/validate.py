"""Validate SBOM text with the format libraries' own validators (official schemas)."""

from __future__ import annotations

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document


def assert_valid_cyclonedx_json(text: str) -> dict:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    return json.loads(text)


def assert_valid_cyclonedx_xml(text: str) -> None:
    error = XmlValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)


def assert_valid_spdx_json(text: str) -> dict:
    data = json.loads(text)
    document = JsonLikeDictParser().parse(data)
    messages = validate_full_spdx_document(document)
    assert not messages, [m.validation_message for m in messages]
    return data
