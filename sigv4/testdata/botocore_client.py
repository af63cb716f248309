"""Signs and sends requests to a pinfold sigv4 test server with botocore and boto3.

Usage: python3 botocore_client.py <server-url> <access-key-id> <secret>
Prints one JSON object per line: {"name": ..., "status": ..., "error": ...}.
"""
import json
import sys
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.httpsession

url, akid, secret = sys.argv[1], sys.argv[2], sys.argv[3]
creds = botocore.credentials.Credentials(akid, secret)
http = botocore.httpsession.URLLib3Session()


def report(name, status, error=None):
    print(json.dumps({"name": name, "status": status, "error": error}), flush=True)


def send_signed(name, method, path, body=None, headers=None, service="mobiletargeting", presign=False):
    req = botocore.awsrequest.AWSRequest(method=method, url=url + path, data=body, headers=headers or {})
    if presign:
        cls = botocore.auth.S3SigV4QueryAuth if service == "s3" else botocore.auth.SigV4QueryAuth
        cls(creds, service, "us-east-1", expires=300).add_auth(req)
    else:
        cls = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
        cls(creds, service, "us-east-1").add_auth(req)
    resp = http.send(req.prepare())
    report(name, resp.status_code, None if resp.status_code == 200 else resp.text)


# botocore's signer used directly, over the wire as sent by urllib3.
send_signed("sigv4 PUT encoded id", "PUT", "/v1/apps/app1/endpoints/e%201%2Fx?b=2&a=1&a=0&sp=x%20y",
            body=b'{"Address":"a@example.com","ChannelType":"EMAIL"}',
            headers={"Content-Type": "application/json", "X-Amz-Meta-Multi": "a,   b  "})
send_signed("sigv4 GET unicode id", "GET", "/v1/apps/app1/endpoints/%C3%A9t%C3%A9%E2%9C%93")
send_signed("sigv4 Date header", "GET", "/v1/apps", headers={"Date": "placeholder"})
send_signed("sigv4 path normalized by botocore only", "GET", "/v1/apps//app1/./endpoints/x/../e1")
send_signed("sigv4 presigned", "GET", "/v1/apps/app1/endpoints/e%201%2Fx?q=1", presign=True)
send_signed("sigv4 s3 encoded key", "PUT", "/bucket/dir/a%20b%2Bc%25d%C3%A9.txt", body=b"object body",
            headers={"X-Amz-Content-SHA256": "8b7887ddda0ccbd2b0d087439e62cba52ca7032abb695956b7dcd43171e8468b"},
            service="s3")
send_signed("sigv4 s3 presigned", "GET", "/bucket/dir/a%20b%2Bc%25d%C3%A9.txt?versionId=1", service="s3", presign=True)

cfg = botocore.config.Config(region_name="us-east-1", retries={"max_attempts": 1, "mode": "standard"})
s3cfg = cfg.merge(botocore.config.Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
session = boto3.session.Session(aws_access_key_id=akid, aws_secret_access_key=secret, region_name="us-east-1")


def call(name, fn, **kwargs):
    try:
        fn(**kwargs)
        report(name, 200)
    except botocore.exceptions.ClientError as e:
        report(name, e.response["ResponseMetadata"]["HTTPStatusCode"], str(e))
    except Exception as e:  # noqa: BLE001 - report anything
        report(name, 0, repr(e))


pinpoint = session.client("pinpoint", endpoint_url=url, config=cfg)
call("boto3 pinpoint get_endpoint", pinpoint.get_endpoint, ApplicationId="app1", EndpointId="e 1/x")
call("boto3 pinpoint update_endpoint", pinpoint.update_endpoint, ApplicationId="app1", EndpointId="e 1/x+é%",
     EndpointRequest={"Address": "a@example.com", "ChannelType": "EMAIL", "Attributes": {"k": ["v 1", "v/2"]}})
call("boto3 pinpoint get_apps", pinpoint.get_apps, PageSize="10", Token="a b/c+d=e")

s3 = session.client("s3", endpoint_url=url, config=s3cfg)
call("boto3 s3 put_object", s3.put_object, Bucket="bucket", Key="dir/a b+c%é~.txt", Body=b"hello object")
call("boto3 s3 get_object", s3.get_object, Bucket="bucket", Key="dir/a b+c%é~.txt")
call("boto3 s3 list_objects_v2", s3.list_objects_v2, Bucket="bucket", Prefix="dir/a b", Delimiter="/")
presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": "dir/a b+c%é.txt"}, ExpiresIn=300)
try:
    with urllib.request.urlopen(presigned) as resp:
        report("boto3 s3 presigned get_object", resp.status)
except urllib.error.HTTPError as e:
    report("boto3 s3 presigned get_object", e.code, e.read().decode())
