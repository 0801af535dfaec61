"""Write flask-dev-2020.spdx.json with the real SPDX library (spdx-tools), deterministically.

The packages are the exact pins of ../../requirements/flask-dev-2020.txt (a real
pip-compile output from pallets/flask), each with its purl, as an SBOM generator that
read that environment would describe them. Run: python make_spdx.py (pip install
spdx-tools); the output is committed, so the tests do not need spdx-tools.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from spdx_tools.spdx.model import (
    Actor,
    ActorType,
    CreationInfo,
    Document,
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    Relationship,
    RelationshipType,
)
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.writer.write_anything import write_file

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1] / "requirements" / "flask-dev-2020.txt"


def main() -> None:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", SOURCE.read_text(), re.MULTILINE)
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name="flask-dev-2020",
        document_namespace="https://spdx.invalid/chainward/realworld/flask-dev-2020",
        creators=[Actor(ActorType.TOOL, "spdx-tools")],
        created=datetime(2026, 11, 26, 0, 0, 0),
    )
    packages = [
        Package(
            spdx_id=f"SPDXRef-Package-{name}-{version}".replace("_", "-"),
            name=name,
            version=version,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            external_references=[
                ExternalPackageRef(
                    ExternalPackageRefCategory.PACKAGE_MANAGER,
                    "purl",
                    f"pkg:pypi/{name.lower()}@{version}",
                )
            ],
        )
        for name, version in pins
    ]
    relationships = [
        Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, p.spdx_id) for p in packages
    ]
    document = Document(info, packages=packages, relationships=relationships)
    write_file(document, str(HERE / "flask-dev-2020.spdx.json"), validate=True)


if __name__ == "__main__":
    main()
