"""An S3-compatible object store for tests: the server named by S3_TEST_ENDPOINT_URL (moto in server mode,
started by .ci/run), one fresh bucket per test so that parallel test processes never see each other's files.

Locally, without that variable, the tests that need it are skipped; with SERVICES_REQUIRED=1 they fail.
"""

import os
import uuid
from dataclasses import dataclass

import boto3
import pytest

ENDPOINT_VARIABLE = "S3_TEST_ENDPOINT_URL"


@dataclass
class ObjectStore:
    client: object
    bucket: str
    env: dict

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def empty_and_remove(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.bucket, Key=key)
        self.client.delete_bucket(Bucket=self.bucket)


def object_store_or_skip(services_required: bool) -> ObjectStore:
    """A new, empty bucket on the test object store, and the environment that points the portal at it."""
    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if not endpoint:
        if services_required:
            pytest.fail(f"SERVICES_REQUIRED=1 mais {ENDPOINT_VARIABLE} n'est pas défini (stockage objet de .ci/run)")
        pytest.skip(f"{ENDPOINT_VARIABLE} non défini : pas de stockage objet S3 (lancé par .ci/run)")
    bucket = f"portail-test-{uuid.uuid4().hex[:16]}"
    env = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "eu-west-3",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "portail-test",
        "AWS_SECRET_ACCESS_KEY": "portail-test-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=env["AWS_S3_REGION_NAME"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": env["AWS_S3_REGION_NAME"]})
    return ObjectStore(client=client, bucket=bucket, env=env)
