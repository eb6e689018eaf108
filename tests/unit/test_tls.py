"""CA bundles are loaded once per version of their file and shared by the clients."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trustme

from aiodeploy._tls import ca_bundle_context
from aiodeploy.errors import ConfigurationError


def test_a_bundle_is_loaded_once_and_again_when_its_file_changes(tmp_path: Path) -> None:
    bundle = tmp_path / "company-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    first = ca_bundle_context(str(bundle), "REQUESTS_CA_BUNDLE")
    assert ca_bundle_context(str(bundle), "REQUESTS_CA_BUNDLE") is first  # one load, shared

    other = trustme.CA()
    other.cert_pem.write_to_path(str(bundle))
    os.utime(bundle, ns=(1, 1))  # another version even on a coarse clock
    changed = ca_bundle_context(str(bundle), "REQUESTS_CA_BUNDLE")
    assert changed is not first
    assert len(changed.get_ca_certs()) == 1

    bundle.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="not a PEM file"):
        ca_bundle_context(str(bundle), "REQUESTS_CA_BUNDLE")
    with pytest.raises(ConfigurationError, match="Cannot read"):
        ca_bundle_context(str(tmp_path / "gone.pem"), "REQUESTS_CA_BUNDLE")
