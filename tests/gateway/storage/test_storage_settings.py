"""The storage settings: S3 needs a bucket, its secret key is checked like the other secrets and
masked in `frontdesk config show`."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import SettingsError, load_settings
from gateway.storage import StorageError, build_store
from gateway.storage.s3 import S3Store


def test_s3_without_a_bucket_is_refused_by_name() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(storage="s3")
    assert "FRONTDESK_S3_BUCKET" in str(info.value)


def test_a_placeholder_s3_secret_is_refused_and_a_real_one_masked() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(storage="s3", s3_bucket="b", s3_secret_access_key="change-me")
    assert "FRONTDESK_S3_SECRET_ACCESS_KEY" in str(info.value) and "change-me" not in str(info.value)
    settings = load_settings(storage="s3", s3_bucket="b", s3_secret_access_key="k" * 40)
    assert settings.masked()["s3_secret_access_key"] == "**********"


def test_defaults_keep_todays_behaviour() -> None:
    settings = load_settings()
    assert settings.storage == "local"
    assert settings.retention_recording_days == 0 and settings.retention_transcript_days == 0
    assert settings.s3_server_side_encryption == ""


def test_blank_s3_values_count_as_unset_and_a_bad_endpoint_is_named(tmp_path: Path) -> None:
    """A deployment template may leave FRONTDESK_S3_REGION and the keys blank: boto3's defaults."""
    blank = load_settings(
        data_dir=tmp_path,
        storage="s3",
        s3_bucket="b",
        s3_region="",
        s3_endpoint_url="",
        s3_access_key_id="",
        s3_secret_access_key="",
    )
    store = build_store(blank)
    assert isinstance(store, S3Store) and store.bucket == "b"
    with pytest.raises(StorageError) as info:
        build_store(blank.model_copy(update={"s3_endpoint_url": "minio:9000"}))
    assert "FRONTDESK_S3_ENDPOINT_URL" in str(info.value)
