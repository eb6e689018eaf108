"""CA bundles are loaded once per version of their file and shared by the clients."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trustme

from aiodeploy._config import resolve_config
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


def test_a_bundle_put_in_place_with_the_same_size_and_time_is_loaded_again(
    tmp_path: Path,
) -> None:
    bundle, staged = tmp_path / "company-ca.pem", tmp_path / "staged.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    first = ca_bundle_context(str(bundle), "REQUESTS_CA_BUNDLE")
    before = bundle.stat()
    trustme.CA().cert_pem.write_to_path(str(staged))  # another CA, a PEM of the same size
    # what `cp -p`, rsync -t or a fixed SOURCE_DATE_EPOCH gives: the same mtime too
    os.utime(staged, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(staged, bundle)
    after = bundle.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    again = ca_bundle_context(str(bundle), "REQUESTS_CA_BUNDLE")
    assert again is not first
    assert again.get_ca_certs() != first.get_ca_certs()


def test_an_empty_bundle_path_is_refused_not_read_as_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for empty in ("", "   "):
        with pytest.raises(ConfigurationError, match="is empty"):
            resolve_config("https://dr.test/api/v2", "token", ssl_verify=empty)
