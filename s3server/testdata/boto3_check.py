"""Drives pinfold's embedded S3 endpoint with boto3; run by TestBoto3.

Environment: ENDPOINT (http or https URL), ACCESS_KEY, and for https
AWS_CA_BUNDLE. The Go test has put inproc/x.gz (content in INPROC_BODY) in
bucket "boto" in-process before, and checks fromboto/y after.
"""
import io
import os

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["ACCESS_KEY"],
    aws_secret_access_key="secret",
    config=Config(retries={"max_attempts": 1}),
)


def code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("no error from %s" % fn.__name__)


names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
assert names == ["boto"], names
s3.create_bucket(Bucket="boto-two")
assert code(s3.create_bucket, Bucket="boto-two") in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou")

keys = ["r/a.json", "r/b.json", "r/sub/c.json", "r/sub/d/e.json", "top.txt"]
for k in keys:
    s3.put_object(Bucket="boto", Key=k, Body=k.encode(), Metadata={"source": "boto3"}, ContentType="application/json")

resp = s3.list_objects_v2(Bucket="boto", Prefix="r/", Delimiter="/")
assert [o["Key"] for o in resp["Contents"]] == ["r/a.json", "r/b.json"], resp
assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["r/sub/"], resp
resp = s3.list_objects_v2(Bucket="boto", Delimiter="/")
assert [o["Key"] for o in resp["Contents"]] == ["top.txt"], resp
assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["inproc/", "r/"], resp

# Continuation by hand, then with the paginator.
page = s3.list_objects_v2(Bucket="boto", Prefix="r/", MaxKeys=3)
assert page["IsTruncated"] and page["KeyCount"] == 3, page
rest = s3.list_objects_v2(Bucket="boto", Prefix="r/", MaxKeys=3, ContinuationToken=page["NextContinuationToken"])
got = [o["Key"] for o in page["Contents"] + rest["Contents"]]
assert got == keys[:4] and not rest["IsTruncated"], got
paginated = [
    o["Key"]
    for p in s3.get_paginator("list_objects_v2").paginate(Bucket="boto", PaginationConfig={"PageSize": 1})
    for o in p.get("Contents", [])
]
assert paginated == sorted(keys + ["inproc/x.gz"]), paginated
v1 = s3.list_objects(Bucket="boto", Prefix="r/", Delimiter="/")
assert [o["Key"] for o in v1["Contents"]] == ["r/a.json", "r/b.json"], v1

obj = s3.get_object(Bucket="boto", Key="r/sub/c.json")
assert obj["Body"].read() == b"r/sub/c.json"
assert obj["Metadata"] == {"source": "boto3"}, obj["Metadata"]
assert obj["ContentType"] == "application/json", obj["ContentType"]
head = s3.head_object(Bucket="boto", Key="r/sub/c.json")
assert head["ContentLength"] == len("r/sub/c.json") and head["ETag"] == obj["ETag"], head

inproc = s3.get_object(Bucket="boto", Key="inproc/x.gz")["Body"].read()
assert inproc == os.environ["INPROC_BODY"].encode(), inproc

assert code(s3.get_object, Bucket="boto", Key="r/missing") == "NoSuchKey"
assert code(s3.head_object, Bucket="boto", Key="r/missing") == "404"
assert code(s3.get_object, Bucket="nosuchbucket", Key="k") == "NoSuchBucket"

s3.delete_object(Bucket="boto", Key="top.txt")
out = s3.delete_objects(Bucket="boto", Delete={"Objects": [{"Key": "r/a.json"}, {"Key": "r/b.json"}]})
assert sorted(d["Key"] for d in out["Deleted"]) == ["r/a.json", "r/b.json"], out
left = [o["Key"] for o in s3.list_objects_v2(Bucket="boto", Prefix="r/")["Contents"]]
assert left == ["r/sub/c.json", "r/sub/d/e.json"], left
assert code(s3.get_object, Bucket="boto", Key="top.txt") == "NoSuchKey"

# Multipart through boto3's transfer manager: 6 MiB in 5 MiB parts.
data = os.urandom(6 * 1024 * 1024 + 7)
mib5 = 5 * 1024 * 1024
s3.upload_fileobj(io.BytesIO(data), "boto", "big/six.bin",
                  Config=TransferConfig(multipart_threshold=mib5, multipart_chunksize=mib5))
etag = s3.head_object(Bucket="boto", Key="big/six.bin")["ETag"]
assert etag.endswith('-2"'), etag
buf = io.BytesIO()
s3.download_fileobj("boto", "big/six.bin", buf)
assert buf.getvalue() == data

s3.delete_bucket(Bucket="boto-two")
s3.put_object(Bucket="boto", Key="fromboto/y", Body=b"written by boto3")
print("ok")
