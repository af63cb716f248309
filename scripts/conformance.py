"""pinfold conformance: unmodified boto3 and aws CLI clients against a running
pinfold (AWS_ENDPOINT_URL and credentials come from the environment; see
conformance.sh). Each check is a function; the run ends with one line
"conformance: N passed, N failed" and exits non-zero on any failure."""

import gzip
import io
import json
import os
import subprocess
import sys
import time
import traceback

import boto3
import botocore
from botocore.config import Config

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
CFG = Config(retries={"total_max_attempts": 1})


def pinpoint(key="test", region="us-east-1"):
    return boto3.client("pinpoint", region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=key, config=CFG)


def s3(key="test"):
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=key,
                        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"error code {got} ({e.response['Error'].get('Message')}), want {code}"
        return e.response
    raise AssertionError(f"no error, want {code}")


def new_app(c, name="conformance"):
    return c.create_app(CreateApplicationRequest={"Name": name})["ApplicationResponse"]["Id"]


CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


@check
def apps_lifecycle():
    c = pinpoint()
    r = c.create_app(CreateApplicationRequest={"Name": "shop", "tags": {"team": "growth"}})
    app = r["ApplicationResponse"]
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(app["Id"]) == 32 and app["Arn"].endswith(":apps/" + app["Id"]), app
    assert app["Arn"].startswith("arn:aws:mobiletargeting:us-east-1:000000000000:"), app["Arn"]
    assert app["tags"] == {"team": "growth"}, app
    got = c.get_app(ApplicationId=app["Id"])["ApplicationResponse"]
    assert got["Name"] == "shop" and got["CreationDate"].endswith("Z"), got
    c.tag_resource(ResourceArn=app["Arn"], TagsModel={"tags": {"env": "prod"}})
    c.untag_resource(ResourceArn=app["Arn"], TagKeys=["team"])
    assert c.list_tags_for_resource(ResourceArn=app["Arn"])["TagsModel"]["tags"] == {"env": "prod"}
    s = c.update_application_settings(ApplicationId=app["Id"], WriteApplicationSettingsRequest={
        "QuietTime": {"Start": "22:00", "End": "06:00"}})["ApplicationSettingsResource"]
    assert s["QuietTime"] == {"Start": "22:00", "End": "06:00"}, s
    assert c.get_application_settings(ApplicationId=app["Id"])["ApplicationSettingsResource"]["QuietTime"]["End"] == "06:00"
    expect_error("NotFoundException", pinpoint("other").get_app, ApplicationId=app["Id"])
    assert c.delete_app(ApplicationId=app["Id"])["ApplicationResponse"]["Id"] == app["Id"]
    resp = expect_error("NotFoundException", c.get_app, ApplicationId=app["Id"])
    assert resp["Error"]["Message"] == "Application not found", resp["Error"]
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 404


@check
def apps_pagination():
    c = pinpoint(region="ap-south-1")
    ids = {new_app(c, f"p{i}") for i in range(5)}
    seen, token, pages = [], None, 0
    while True:
        kw = {"PageSize": "2"}
        if token:
            kw["Token"] = token
        r = c.get_apps(**kw)["ApplicationsResponse"]
        pages += 1
        seen += [a["Id"] for a in r["Item"]]
        token = r.get("NextToken")
        if not token:
            break
    assert set(seen) == ids and len(seen) == 5 and pages == 3, (seen, pages)
    expect_error("BadRequestException", c.get_apps, Token="garbage")


@check
def endpoints():
    c = pinpoint()
    app = new_app(c)
    eid = "e 1/x"
    r = c.update_endpoint(ApplicationId=app, EndpointId=eid, EndpointRequest={
        "ChannelType": "EMAIL", "Address": "a@example.com",
        "Attributes": {"Plan": ["gold"], "Tags": ["a", "b"]}, "Metrics": {"score": 75.0},
        "Location": {"Country": "US", "Latitude": 47.6, "Longitude": -122.3},
        "Demographic": {"Platform": "ios", "Make": "Apple"},
        "User": {"UserId": "u1", "UserAttributes": {"Tier": ["a"]}}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert r["MessageBody"]["Message"] == "Accepted", r["MessageBody"]
    e = c.get_endpoint(ApplicationId=app, EndpointId=eid)["EndpointResponse"]
    assert e["Id"] == eid and e["ApplicationId"] == app and e["EndpointStatus"] == "ACTIVE", e
    assert 0 <= int(e["CohortId"]) <= 99 and e["Metrics"] == {"score": 75.0}, e
    c.update_endpoint(ApplicationId=app, EndpointId=eid, EndpointRequest={"Attributes": {"Plan": ["silver"]}})
    e2 = c.get_endpoint(ApplicationId=app, EndpointId=eid)["EndpointResponse"]
    assert e2["Attributes"] == {"Plan": ["silver"], "Tags": ["a", "b"]}, e2["Attributes"]
    assert e2["CreationDate"] == e["CreationDate"] and e2["User"]["UserId"] == "u1", e2
    items = [{"Id": f"b{i}", "ChannelType": "SMS", "Address": f"+1555{i:04d}", "User": {"UserId": "bob"} if i < 3 else {}}
             for i in range(100)]
    r = c.update_endpoints_batch(ApplicationId=app, EndpointBatchRequest={"Item": items})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    expect_error("BadRequestException", c.update_endpoints_batch, ApplicationId=app,
                 EndpointBatchRequest={"Item": items + [{"Id": "x", "ChannelType": "SMS", "Address": "1"}]})
    ue = c.get_user_endpoints(ApplicationId=app, UserId="bob")["EndpointsResponse"]["Item"]
    assert sorted(x["Id"] for x in ue) == ["b0", "b1", "b2"], ue
    ra = c.remove_attributes(ApplicationId=app, AttributeType="endpoint-custom-attributes",
                             UpdateAttributesRequest={"Blacklist": ["Tags"]})["AttributesResource"]
    assert ra["Attributes"] == ["Tags"] and ra["AttributeType"] == "endpoint-custom-attributes", ra
    assert "Tags" not in c.get_endpoint(ApplicationId=app, EndpointId=eid)["EndpointResponse"]["Attributes"]
    d = c.delete_user_endpoints(ApplicationId=app, UserId="bob")
    assert d["ResponseMetadata"]["HTTPStatusCode"] == 202 and len(d["EndpointsResponse"]["Item"]) == 3
    d = c.delete_endpoint(ApplicationId=app, EndpointId=eid)
    assert d["EndpointResponse"]["Address"] == "a@example.com"
    expect_error("NotFoundException", c.get_endpoint, ApplicationId=app, EndpointId=eid)


@check
def endpoint_quotas_and_validation():
    c = pinpoint()
    app = new_app(c)
    items = [{"Id": f"u{i}", "ChannelType": "SMS", "Address": f"+1{i}", "User": {"UserId": "carol"}} for i in range(16)]
    resp = expect_error("BadRequestException", c.update_endpoints_batch, ApplicationId=app,
                        EndpointBatchRequest={"Item": items})
    assert resp["Error"]["Message"] == "Exceeded maximum endpoint per user count: 15", resp["Error"]
    expect_error("NotFoundException", c.get_endpoint, ApplicationId=app, EndpointId="u0")
    resp = expect_error("BadRequestException", c.update_endpoint, ApplicationId=app, EndpointId="n",
                        EndpointRequest={"ChannelType": "SMS"})
    assert "Missing Address" in resp["Error"]["Message"], resp["Error"]
    expect_error("BadRequestException", c.update_endpoint, ApplicationId=app, EndpointId="n",
                 EndpointRequest={"ChannelType": "FAX", "Address": "1"})
    expect_error("BadRequestException", c.update_endpoint, ApplicationId=app, EndpointId="n",
                 EndpointRequest={"ChannelType": "SMS", "Address": "1", "Attributes": {"a" * 51: ["v"]}})


@check
def authentication_errors():
    bad = boto3.client("pinpoint", region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="wrong", config=CFG)
    r = expect_error("InvalidSignatureException", bad.get_apps)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 403
    expect_error("UnrecognizedClientException", pinpoint("nobody").get_apps)


@check
def aws_cli_pinpoint():
    out = subprocess.run(["aws", "pinpoint", "create-app", "--create-application-request", "Name=cli-app"],
                         check=True, capture_output=True, text=True).stdout
    app = json.loads(out)["ApplicationResponse"]
    out = subprocess.run(["aws", "pinpoint", "get-app", "--application-id", app["Id"]],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["ApplicationResponse"]["Name"] == "cli-app"
    subprocess.run(["aws", "pinpoint", "update-endpoint", "--application-id", app["Id"], "--endpoint-id", "cli-1",
                    "--endpoint-request", json.dumps({"ChannelType": "SMS", "Address": "+15550001"})],
                   check=True, capture_output=True, text=True)
    out = subprocess.run(["aws", "pinpoint", "get-endpoint", "--application-id", app["Id"], "--endpoint-id", "cli-1"],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["EndpointResponse"]["Address"] == "+15550001"
    p = subprocess.run(["aws", "pinpoint", "get-app", "--application-id", "0" * 32], capture_output=True, text=True)
    assert p.returncode != 0 and "NotFoundException" in p.stderr, p.stderr


ROLE = "arn:aws:iam::000000000000:role/pinfold-export"


def wait_job(c, app, job_id, timeout=120):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        j = c.get_export_job(ApplicationId=app, JobId=job_id)["ExportJobResponse"]
        if not seen or seen[-1] != j["JobStatus"]:
            seen.append(j["JobStatus"])
        if j["JobStatus"] in ("COMPLETED", "FAILED"):
            return j, seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not finished after {timeout}s: statuses {seen}")


@check
def export_job_to_builtin_s3():
    c, s = pinpoint(), s3()
    s.create_bucket(Bucket="exports")
    app = new_app(c)
    for b in range(10):
        items = [{"Id": f"x{b}-{i}", "ChannelType": "EMAIL", "Address": f"u{b}-{i}@example.com",
                  "Attributes": {"Plan": ["gold" if i % 2 else "free"]}, "Metrics": {"visits": float(i)},
                  "User": {"UserId": f"user{b}-{i}"} if i % 3 == 0 else {}} for i in range(100)]
        c.update_endpoints_batch(ApplicationId=app, EndpointBatchRequest={"Item": items})
    r = c.create_export_job(ApplicationId=app, ExportJobRequest={"RoleArn": ROLE, "S3UrlPrefix": "s3://exports/run1/"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    job = r["ExportJobResponse"]
    assert job["Type"] == "EXPORT" and job["JobStatus"] == "CREATED", job
    assert job["Definition"] == {"RoleArn": ROLE, "S3UrlPrefix": "s3://exports/run1/"}, job["Definition"]
    done, statuses = wait_job(c, app, job["Id"])
    assert done["JobStatus"] == "COMPLETED", (done, statuses)
    assert done["TotalProcessed"] == 1000 and done["TotalFailures"] == 0, done
    assert done["TotalPieces"] == 3 and done["CompletedPieces"] == 3 and done["FailedPieces"] == 0, done
    assert "CompletionDate" in done, done
    keys = [o["Key"] for o in s.list_objects_v2(Bucket="exports", Prefix="run1/")["Contents"]]
    gz = [k for k in keys if k.endswith(".gz")]
    assert len(gz) == 3, keys
    lines = []
    for k in gz:
        data = s.get_object(Bucket="exports", Key=k)["Body"].read()
        text = gzip.decompress(data).decode("utf-8")
        assert text.endswith("\n"), k
        lines += text.splitlines()
    assert len(lines) == 1000, len(lines)
    ids = set()
    for line in lines:
        got = json.loads(line)
        assert list(got)[0] == "ChannelType" and "CohortId" not in got, line
        want = c.get_endpoint(ApplicationId=app, EndpointId=got["Id"])["EndpointResponse"]
        want.pop("CohortId")
        assert got == want, (got, want)
        ids.add(got["Id"])
    assert len(ids) == 1000
    listed = c.get_export_jobs(ApplicationId=app)["ExportJobsResponse"]["Item"]
    assert [j["Id"] for j in listed] == [job["Id"]], listed
    # The aws CLI sees the same objects through the same URL.
    out = subprocess.run(["aws", "s3", "ls", "s3://exports/run1/", "--recursive"], check=True,
                         capture_output=True, text=True).stdout
    assert out.count(".gz") == 3, out


@check
def export_job_validation_and_failure():
    c = pinpoint()
    app = new_app(c)
    c.update_endpoint(ApplicationId=app, EndpointId="one", EndpointRequest={"ChannelType": "SMS", "Address": "+1"})
    expect_error("BadRequestException", c.create_export_job, ApplicationId=app,
                 ExportJobRequest={"RoleArn": "not-an-arn", "S3UrlPrefix": "s3://exports/"})
    expect_error("BadRequestException", c.create_export_job, ApplicationId=app,
                 ExportJobRequest={"RoleArn": ROLE, "S3UrlPrefix": "http://exports/"})
    expect_error("NotFoundException", c.create_export_job, ApplicationId="0" * 32,
                 ExportJobRequest={"RoleArn": ROLE, "S3UrlPrefix": "s3://exports/"})
    expect_error("NotFoundException", c.get_export_job, ApplicationId=app, JobId="0" * 32)
    job = c.create_export_job(ApplicationId=app, ExportJobRequest={
        "RoleArn": ROLE, "S3UrlPrefix": "s3://no-such-bucket/x/"})["ExportJobResponse"]
    done, _ = wait_job(c, app, job["Id"])
    assert done["JobStatus"] == "FAILED" and done["FailedPieces"] == 1 and done["TotalFailures"] == 1, done
    assert any("no-such-bucket" in f for f in done["Failures"]), done["Failures"]


OLD = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 20 * 86400))

# The same fixed endpoint set as cmd/pinfold/segments_test.go.
SEGMENT_FIXTURE = [
    {"Id": "a", "ChannelType": "EMAIL", "Address": "a@example.com",
     "Attributes": {"Plan": ["gold"], "Tags": ["x", "vip"], "Signup": ["2024-03-05T10:00:00Z"]}, "Metrics": {"score": 80.0},
     "Location": {"Country": "US", "Latitude": 47.61, "Longitude": -122.33},
     "Demographic": {"Platform": "iOS", "Make": "Apple", "Model": "iPhone", "AppVersion": "2.0"},
     "User": {"UserId": "u1", "UserAttributes": {"Tier": ["premium"]}}},
    {"Id": "b", "ChannelType": "SMS", "Address": "+15550100", "EffectiveDate": OLD,
     "Attributes": {"Plan": ["free"], "Signup": ["2023-12-31T00:00:00Z"]}, "Metrics": {"score": 20.0},
     "Location": {"Country": "CA", "Latitude": 49.28, "Longitude": -123.12},
     "Demographic": {"Platform": "android", "Make": "Google"}},
    {"Id": "c", "ChannelType": "APNS", "Address": "token-c", "Attributes": {"Plan": ["gold", "family"]},
     "Metrics": {"score": 50.0}, "Location": {"Country": "us"},
     "User": {"UserId": "u2", "UserAttributes": {"Tier": ["basic"]}}},
    {"Id": "d", "ChannelType": "EMAIL", "Address": "d@example.com", "EffectiveDate": OLD},
]

GOLD = {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}}
EMAIL = {"Demographic": {"Channel": {"DimensionType": "INCLUSIVE", "Values": ["EMAIL"]}}}


def attr(kind, name, *values):
    return {"Dimensions": {"Attributes": {name: {"AttributeType": kind, "Values": list(values)}}}}


# The table of cmd/pinfold/segments_test.go (the source-segment case is in the check itself).
SEGMENT_CASES = [
    ("inclusive", {"Dimensions": GOLD}, ["a", "c"]),
    ("exclusive", attr("EXCLUSIVE", "Plan", "gold"), ["b", "d"]),
    ("contains", attr("CONTAINS", "Tags", "ip"), ["a"]),
    ("before", attr("BEFORE", "Signup", "2024-01-01T00:00:00Z"), ["b"]),
    ("after", attr("AFTER", "Signup", "2024-01-01T00:00:00Z"), ["a"]),
    ("on", attr("ON", "Signup", "2024-03-05T00:00:00Z"), ["a"]),
    ("between", attr("BETWEEN", "Signup", "2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z"), ["b"]),
    ("user attribute", {"Dimensions": {"UserAttributes": {"Tier": {"AttributeType": "INCLUSIVE", "Values": ["premium"]}}}}, ["a"]),
    ("metric", {"Dimensions": {"Metrics": {"score": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 50.0}}}}, ["a", "c"]),
    ("channel", {"Dimensions": EMAIL}, ["a", "d"]),
    ("platform", {"Dimensions": {"Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["ios"]}}}}, ["a"]),
    ("make exclusive", {"Dimensions": {"Demographic": {"Make": {"DimensionType": "EXCLUSIVE", "Values": ["Apple"]}}}}, ["b", "c", "d"]),
    ("country", {"Dimensions": {"Location": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["US"]}}}}, ["a", "c"]),
    ("gps 250 km", {"Dimensions": {"Location": {"GPSPoint": {"Coordinates": {"Latitude": 47.6, "Longitude": -122.3},
                                                             "RangeInKilometers": 250.0}}}}, ["a", "b"]),
    ("recency active", {"Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}}}}, ["a", "c"]),
    ("groups any", {"SegmentGroups": {"Include": "ANY", "Groups": [{"Dimensions": [GOLD]}, {"Dimensions": [EMAIL]}]}}, ["a", "c", "d"]),
    ("groups none", {"SegmentGroups": {"Include": "NONE", "Groups": [{"Dimensions": [GOLD]}, {"Dimensions": [EMAIL]}]}}, ["b"]),
    ("whole app", {}, ["a", "b", "c", "d"]),
]


def export_ids(c, s, app, seg_id, version=None, bucket="segments"):
    req = {"RoleArn": ROLE, "S3UrlPrefix": f"s3://{bucket}/{seg_id}-{version or 'latest'}/", "SegmentId": seg_id}
    if version:
        req["SegmentVersion"] = version
    job = c.create_export_job(ApplicationId=app, ExportJobRequest=req)["ExportJobResponse"]
    done, _ = wait_job(c, app, job["Id"])
    assert done["JobStatus"] == "COMPLETED", done
    ids = []
    for o in s.list_objects_v2(Bucket=bucket, Prefix=f"{seg_id}-{version or 'latest'}/").get("Contents", []):
        text = gzip.decompress(s.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()).decode()
        ids += [json.loads(line)["Id"] for line in text.splitlines()]
    return sorted(ids)


@check
def segments_and_segment_exports():
    c, s = pinpoint(), s3()
    s.create_bucket(Bucket="segments")
    app = new_app(c)
    c.update_endpoints_batch(ApplicationId=app, EndpointBatchRequest={"Item": SEGMENT_FIXTURE})
    for name, definition, want in SEGMENT_CASES:
        seg = c.create_segment(ApplicationId=app, WriteSegmentRequest=dict(definition, Name=name))["SegmentResponse"]
        assert seg["Version"] == 1 and seg["SegmentType"] == "DIMENSIONAL", seg
        got = export_ids(c, s, app, seg["Id"])
        assert got == want, (name, got, want)
    gold = c.create_segment(ApplicationId=app, WriteSegmentRequest={"Name": "gold", "Dimensions": GOLD})["SegmentResponse"]
    src = c.create_segment(ApplicationId=app, WriteSegmentRequest={"Name": "source", "SegmentGroups": {"Groups": [
        {"SourceSegments": [{"Id": gold["Id"]}], "Dimensions": [EMAIL]}]}})["SegmentResponse"]
    assert export_ids(c, s, app, src["Id"]) == ["a"]
    seg = c.create_segment(ApplicationId=app, WriteSegmentRequest={
        "Name": "plan", "Dimensions": {"Attributes": {"Plan": {"Values": ["free"]}}}})["SegmentResponse"]
    up = c.update_segment(ApplicationId=app, SegmentId=seg["Id"], WriteSegmentRequest={
        "Dimensions": {"Attributes": {"Plan": {"Values": ["family"]}}}})["SegmentResponse"]
    assert up["Version"] == 2 and up["Name"] == "plan", up
    v1 = c.get_segment_version(ApplicationId=app, SegmentId=seg["Id"], Version="1")["SegmentResponse"]
    assert v1["Dimensions"]["Attributes"]["Plan"]["Values"] == ["free"], v1
    versions = c.get_segment_versions(ApplicationId=app, SegmentId=seg["Id"])["SegmentsResponse"]["Item"]
    assert [v["Version"] for v in versions] == [2, 1], versions
    assert export_ids(c, s, app, seg["Id"], version=1) == ["b"]
    assert export_ids(c, s, app, seg["Id"]) == ["c"]
    listed = c.get_segment_export_jobs(ApplicationId=app, SegmentId=seg["Id"])["ExportJobsResponse"]["Item"]
    assert len(listed) == 2 and all(j["Definition"]["SegmentId"] == seg["Id"] for j in listed), listed
    expect_error("NotFoundException", c.create_export_job, ApplicationId=app, ExportJobRequest={
        "RoleArn": ROLE, "S3UrlPrefix": "s3://segments/x/", "SegmentId": seg["Id"], "SegmentVersion": 7})
    expect_error("BadRequestException", c.create_segment, ApplicationId=app, WriteSegmentRequest={
        "Name": "bad", "Dimensions": {"Attributes": {"Plan": {"AttributeType": "BETWEEN", "Values": ["2024-01-01T00:00:00Z"]}}}})
    expect_error("BadRequestException", c.create_segment, ApplicationId=app, WriteSegmentRequest={
        "Name": "bad", "Dimensions": {}, "SegmentGroups": {"Groups": []}})
    c.delete_segment(ApplicationId=app, SegmentId=seg["Id"])
    expect_error("NotFoundException", c.get_segment, ApplicationId=app, SegmentId=seg["Id"])


def wait_import(c, app, job_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        j = c.get_import_job(ApplicationId=app, JobId=job_id)["ImportJobResponse"]
        if j["JobStatus"] in ("COMPLETED", "FAILED"):
            return j
        time.sleep(0.1)
    raise AssertionError(f"import {job_id} not finished after {timeout}s")


@check
def import_jobs_and_round_trip():
    c, s = pinpoint(), s3()
    s.create_bucket(Bucket="imports")
    src = new_app(c)
    items = [{"Id": f"r{i}", "ChannelType": "EMAIL", "Address": f"r{i}@example.com",
              "Attributes": {"Plan": ["gold" if i % 2 else "free"]}, "Metrics": {"n": float(i)},
              "Location": {"Country": "US", "Latitude": 40.5, "Longitude": -73.25},
              "User": {"UserId": f"user{i}", "UserAttributes": {"Tier": ["t"]}}} for i in range(100)]
    c.update_endpoints_batch(ApplicationId=src, EndpointBatchRequest={"Item": items})
    ex = c.create_export_job(ApplicationId=src, ExportJobRequest={"RoleArn": ROLE, "S3UrlPrefix": "s3://imports/exp/"})
    assert wait_job(c, src, ex["ExportJobResponse"]["Id"])[0]["JobStatus"] == "COMPLETED"
    dst = new_app(c)
    r = c.create_import_job(ApplicationId=dst, ImportJobRequest={
        "Format": "JSON", "RoleArn": ROLE, "S3Url": "s3://imports/exp/", "DefineSegment": True, "SegmentName": "from-export"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201 and r["ImportJobResponse"]["Type"] == "IMPORT", r
    done = wait_import(c, dst, r["ImportJobResponse"]["Id"])
    assert done["JobStatus"] == "COMPLETED" and done["TotalProcessed"] == 100, done
    for i in (0, 57, 99):
        a = c.get_endpoint(ApplicationId=src, EndpointId=f"r{i}")["EndpointResponse"]
        b = c.get_endpoint(ApplicationId=dst, EndpointId=f"r{i}")["EndpointResponse"]
        for k in ("ApplicationId", "CreationDate", "CohortId"):  # CohortId hashes the app ID too
            a.pop(k), b.pop(k)
        assert a == b, (a, b)
    seg = c.get_segment(ApplicationId=dst, SegmentId=done["Definition"]["SegmentId"])["SegmentResponse"]
    assert seg["SegmentType"] == "IMPORT" and seg["ImportDefinition"]["Size"] == 100, seg
    assert export_ids(c, s, dst, seg["Id"], bucket="imports") == sorted(f"r{i}" for i in range(100))
    listed = c.get_import_jobs(ApplicationId=dst)["ImportJobsResponse"]["Item"]
    assert [j["Id"] for j in listed] == [done["Id"]], listed
    # CSV with a bad row: counted and reported, the rest imported.
    s.put_object(Bucket="imports", Key="csv/people.csv", Body=(
        "Id,Address,ChannelType,Attributes.Plan,Metrics.Score\n"
        "p1,p1@example.com,EMAIL,gold,3\n"
        "p2,p2@example.com,EMAIL,free,lots\n").encode())
    r = c.create_import_job(ApplicationId=dst, ImportJobRequest={"Format": "CSV", "RoleArn": ROLE, "S3Url": "s3://imports/csv/"})
    done = wait_import(c, dst, r["ImportJobResponse"]["Id"])
    assert done["TotalProcessed"] == 1 and done["TotalFailures"] == 1, done
    assert any("line 3" in f and "Metrics.Score" in f for f in done["Failures"]), done["Failures"]
    expect_error("BadRequestException", c.create_import_job, ApplicationId=dst, ImportJobRequest={
        "Format": "XML", "RoleArn": ROLE, "S3Url": "s3://imports/csv/"})


@check
def channels_round_trip():
    c = pinpoint()
    app = new_app(c)
    expect_error("NotFoundException", c.get_gcm_channel, ApplicationId=app)
    r = c.update_gcm_channel(ApplicationId=app, GCMChannelRequest={
        "ApiKey": "conformance-secret-api-key", "ServiceJson": '{"private_key":"conformance-secret-json"}',
        "DefaultAuthenticationMethod": "TOKEN", "Enabled": True})["GCMChannelResponse"]
    assert r["Platform"] == "GCM" and r["Version"] == 1 and r["Enabled"] and r["HasCredential"], r
    assert r["HasFcmServiceCredentials"] and r["DefaultAuthenticationMethod"] == "TOKEN" and r["Id"] == "gcm", r
    # An update without credentials keeps them.
    u = c.update_gcm_channel(ApplicationId=app, GCMChannelRequest={"Enabled": False})["GCMChannelResponse"]
    assert u["Version"] == 2 and not u["Enabled"] and u["HasFcmServiceCredentials"], u
    assert u["CreationDate"] == r["CreationDate"], (r, u)
    g = c.get_gcm_channel(ApplicationId=app)["GCMChannelResponse"]
    assert g == u, (g, u)
    listed = c.get_channels(ApplicationId=app)["ChannelsResponse"]["Channels"]
    assert list(listed) == ["GCM"] and listed["GCM"]["Version"] == 2, listed
    assert "conformance-secret" not in json.dumps([r, u, g, listed]), (r, u, g, listed)
    e = c.update_email_channel(ApplicationId=app, EmailChannelRequest={
        "FromAddress": "hi@example.com", "Identity": "arn:aws:ses:us-east-1:000000000000:identity/example.com"})
    assert e["EmailChannelResponse"]["Enabled"] and e["EmailChannelResponse"]["FromAddress"] == "hi@example.com", e
    resp = expect_error("BadRequestException", c.update_baidu_channel, ApplicationId=app,
                        BaiduChannelRequest={"ApiKey": "k", "SecretKey": ""})
    assert resp["Error"]["Message"] == "Missing SecretKey", resp["Error"]
    d = c.delete_gcm_channel(ApplicationId=app)["GCMChannelResponse"]
    assert d["Version"] == 2, d
    expect_error("NotFoundException", c.delete_gcm_channel, ApplicationId=app)
    c.delete_app(ApplicationId=app)
    expect_error("NotFoundException", c.get_email_channel, ApplicationId=app)


@check
def aws_cli_event_stream():
    app = new_app(pinpoint())
    stream = "arn:aws:kinesis:us-east-1:000000000000:stream/events"
    out = subprocess.run(["aws", "pinpoint", "put-event-stream", "--application-id", app, "--write-event-stream",
                          f"DestinationStreamArn={stream},RoleArn={ROLE}"], check=True, capture_output=True, text=True)
    es = json.loads(out.stdout)["EventStream"]
    assert es["ApplicationId"] == app and es["DestinationStreamArn"] == stream and es["RoleArn"] == ROLE, es
    assert es["LastUpdatedBy"] == "arn:aws:iam::000000000000:root" and es["LastModifiedDate"].endswith("Z"), es
    out = subprocess.run(["aws", "pinpoint", "get-event-stream", "--application-id", app],
                         check=True, capture_output=True, text=True)
    assert json.loads(out.stdout)["EventStream"] == es, out.stdout
    out = subprocess.run(["aws", "pinpoint", "delete-event-stream", "--application-id", app],
                         check=True, capture_output=True, text=True)
    assert json.loads(out.stdout)["EventStream"] == es, out.stdout
    p = subprocess.run(["aws", "pinpoint", "get-event-stream", "--application-id", app], capture_output=True, text=True)
    assert p.returncode != 0 and "NotFoundException" in p.stderr, (p.returncode, p.stderr)
    p = subprocess.run(["aws", "pinpoint", "put-event-stream", "--application-id", app, "--write-event-stream",
                        f"DestinationStreamArn=arn:aws:s3:::bucket,RoleArn={ROLE}"], capture_output=True, text=True)
    assert p.returncode != 0 and "BadRequestException" in p.stderr, (p.returncode, p.stderr)


def pinfold_events(method, app, query="", key="test", region="us-east-1"):
    """A request to pinfold's events read API (docs/events.md), SigV4-signed
    for mobiletargeting with botocore's signer; returns (status, JSON body)."""
    import urllib.error
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=f"{ENDPOINT}/_pinfold/apps/{app}/events{query}")
    SigV4Auth(Credentials(key, key), "mobiletargeting", region).add_auth(req)
    r = urllib.request.Request(req.url, method=method, headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@check
def put_events():
    c = pinpoint()
    app = new_app(c, "events")
    ts = "2024-05-01T10:00:00.000Z"
    r = c.put_events(ApplicationId=app, EventsRequest={"BatchItem": {
        "good": {"Endpoint": {"ChannelType": "EMAIL", "Address": "a@example.com"},
                 "Events": {"e1": {"EventType": "_session.start", "Timestamp": ts,
                                   "Session": {"Id": "s1", "StartTimestamp": ts},
                                   "Attributes": {"screen": "home"}, "Metrics": {"n": 2.0}},
                            "bad": {"EventType": "buy", "Timestamp": "not a date"}}},
        "badendpoint": {"Endpoint": {"ChannelType": "PIGEON", "Address": "x"},
                        "Events": {"e2": {"EventType": "buy", "Timestamp": ts}}},
    }})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202, r
    res = r["EventsResponse"]["Results"]
    ok = {"StatusCode": 202, "Message": "Accepted"}
    assert res["good"]["EndpointItemResponse"] == ok, res
    assert res["good"]["EventsItemResponse"]["e1"] == ok, res
    assert res["good"]["EventsItemResponse"]["bad"]["StatusCode"] == 400, res
    assert "Timestamp" in res["good"]["EventsItemResponse"]["bad"]["Message"], res
    assert res["badendpoint"]["EndpointItemResponse"]["StatusCode"] == 400, res
    assert res["badendpoint"]["EventsItemResponse"]["e2"] == ok, res
    assert c.get_endpoint(ApplicationId=app, EndpointId="good")["EndpointResponse"]["Address"] == "a@example.com"
    expect_error("NotFoundException", c.get_endpoint, ApplicationId=app, EndpointId="badendpoint")
    expect_error("BadRequestException", c.put_events, ApplicationId=app, EventsRequest={"BatchItem": {
        "e": {"Endpoint": {}, "Events": {f"x{i}": {"EventType": "t", "Timestamp": ts} for i in range(101)}}}})
    expect_error("NotFoundException", pinpoint("other").put_events, ApplicationId=app, EventsRequest={"BatchItem": {}})

    # The aws CLI.
    out = subprocess.run(["aws", "pinpoint", "put-events", "--application-id", app, "--events-request", json.dumps(
        {"BatchItem": {"good": {"Endpoint": {}, "Events": {"cli": {"EventType": "cli.run", "Timestamp": ts}}}}})],
        check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["EventsResponse"]["Results"]["good"]["EventsItemResponse"]["cli"] == ok, out

    # Read back through pinfold's events read API, newest first.
    status, page = pinfold_events("GET", app)
    assert status == 200, page
    assert [e["Id"] for e in page["Item"]][0] == "cli" and len(page["Item"]) == 3, page
    e1 = next(e for e in page["Item"] if e["Id"] == "e1")
    assert e1["EndpointId"] == "good" and e1["Timestamp"] == ts and e1["Session"]["Id"] == "s1", e1
    assert e1["Attributes"] == {"screen": "home"} and e1["Metrics"] == {"n": 2}, e1
    status, page = pinfold_events("GET", app, "?endpoint-id=good&page-size=1")
    assert status == 200 and len(page["Item"]) == 1 and page["NextToken"], page
    status, page2 = pinfold_events("GET", app, "?endpoint-id=good&page-size=1&next-token=" + page["NextToken"])
    assert status == 200 and [e["Id"] for e in page2["Item"]] == ["e1"] and "NextToken" not in page2, page2
    status, body = pinfold_events("GET", app, key="other")
    assert status == 404, body
    status, body = pinfold_events("DELETE", app, "?event-type=buy")
    assert status == 200 and body == {"Deleted": 1}, body
    status, body = pinfold_events("DELETE", app)
    assert status == 200 and body == {"Deleted": 2}, body
    c.delete_app(ApplicationId=app)
    status, body = pinfold_events("GET", app)
    assert status == 404, body


@check
def phone_number_validate():
    c = pinpoint()
    r = c.phone_number_validate(NumberValidateRequest={"PhoneNumber": "020 7946 0881", "IsoCountryCode": "GB"})
    assert r["NumberValidateResponse"] == {
        "City": "London", "CleansedPhoneNumberE164": "+442079460881", "CleansedPhoneNumberNational": "2079460881",
        "Country": "United Kingdom", "CountryCodeIso2": "GB", "CountryCodeNumeric": "44",
        "OriginalCountryCodeIso2": "GB", "OriginalPhoneNumber": "020 7946 0881", "PhoneType": "LANDLINE",
        "PhoneTypeCode": 1, "Timezone": "Europe/London"}, r
    v = c.phone_number_validate(NumberValidateRequest={"PhoneNumber": "+440163296076"})["NumberValidateResponse"]
    assert v["PhoneType"] == "INVALID" and v["PhoneTypeCode"] == 3 and v["CountryCodeIso2"] == "GB", v
    assert not {"Carrier", "City", "Timezone", "County", "ZipCode"} & v.keys(), v
    expect_error("BadRequestException", c.phone_number_validate, NumberValidateRequest={"IsoCountryCode": "US"})

    # The aws CLI, shorthand syntax as Pinpoint's documentation writes it.
    out = subprocess.run(["aws", "pinpoint", "phone-number-validate", "--number-validate-request",
                          "PhoneNumber=+447400123456"], check=True, capture_output=True, text=True).stdout
    v = json.loads(out)["NumberValidateResponse"]
    assert v["CleansedPhoneNumberE164"] == "+447400123456" and v["PhoneType"] == "MOBILE", v
    assert v["PhoneTypeCode"] == 0 and v["Carrier"] == "Three" and v["Country"] == "United Kingdom", v
    out = subprocess.run(["aws", "pinpoint", "phone-number-validate", "--number-validate-request",
                          "PhoneNumber=+14255550199"], check=True, capture_output=True, text=True).stdout
    v = json.loads(out)["NumberValidateResponse"]
    assert v["PhoneType"] == "OTHER" and v["PhoneTypeCode"] == 4 and v["CountryCodeNumeric"] == "1", v


@check
def message_templates():
    c = pinpoint()
    name = "welcome-email"
    arn = f"arn:aws:mobiletargeting:us-east-1:000000000000:templates/{name}/EMAIL"
    r = c.create_email_template(TemplateName=name, EmailTemplateRequest={
        "Subject": "Welcome, {{User.UserAttributes.FirstName}}",
        "HtmlPart": "<p>Hi {{User.UserAttributes.FirstName}}, your plan is {{Attributes.Plan}}.</p>",
        "TextPart": "Hi {{User.UserAttributes.FirstName}}",
        "DefaultSubstitutions": json.dumps({"User.UserAttributes.FirstName": "there", "Attributes.Plan": "free"}),
        "TemplateDescription": "welcome", "tags": {"team": "growth"}})
    body = r["CreateTemplateMessageBody"]
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 201 and body["Arn"] == arn and body["Message"] == "Created", r
    t = c.get_email_template(TemplateName=name)["EmailTemplateResponse"]
    assert t["Version"] == "1" and t["Arn"] == arn and t["TemplateType"] == "EMAIL" and t["tags"] == {"team": "growth"}, t
    assert "{{Attributes.Plan}}" in t["HtmlPart"] and json.loads(t["DefaultSubstitutions"])["Attributes.Plan"] == "free", t
    expect_error("BadRequestException", c.create_email_template, TemplateName=name, EmailTemplateRequest={"Subject": "x"})

    # A new version with the aws CLI: not active until made so.
    out = subprocess.run(["aws", "pinpoint", "update-email-template", "--template-name", name, "--create-new-version",
                          "--email-template-request", json.dumps({"Subject": "Welcome back, {{User.UserAttributes.FirstName}}",
                                                                  "HtmlPart": "<p>v2</p>"})],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["MessageBody"]["Message"] == "Accepted", out
    assert c.get_email_template(TemplateName=name)["EmailTemplateResponse"]["Version"] == "1"
    out = subprocess.run(["aws", "pinpoint", "get-email-template", "--template-name", name, "--template-version", "2"],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["EmailTemplateResponse"]["Subject"].startswith("Welcome back"), out
    p = subprocess.run(["aws", "pinpoint", "update-email-template", "--template-name", name, "--template-version", "1",
                        "--email-template-request", json.dumps({"Subject": "x"})], capture_output=True, text=True)
    assert p.returncode != 0 and "BadRequestException" in p.stderr, (p.returncode, p.stderr)

    out = subprocess.run(["aws", "pinpoint", "list-template-versions", "--template-name", name, "--template-type", "EMAIL"],
                         check=True, capture_output=True, text=True).stdout
    items = json.loads(out)["TemplateVersionsResponse"]["Item"]
    assert [i["Version"] for i in items] == ["2", "1"] and items[1]["TemplateDescription"] == "welcome", items
    c.update_template_active_version(TemplateName=name, TemplateType="EMAIL",
                                     TemplateActiveVersionRequest={"Version": "latest"})
    assert c.get_email_template(TemplateName=name)["EmailTemplateResponse"]["Version"] == "2"
    listed = c.list_templates(Prefix="welcome", TemplateType="EMAIL")["TemplatesResponse"]["Item"]
    assert [(i["TemplateName"], i["Version"]) for i in listed] == [(name, "2")], listed
    assert c.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"] == {"team": "growth"}
    expect_error("NotFoundException", pinpoint("other").get_email_template, TemplateName=name)

    # Delete version 2 (the active one: version 1 becomes active), then all.
    r = c.delete_email_template(TemplateName=name, Version="2")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202 and r["MessageBody"]["Message"] == "Accepted", r
    assert c.get_email_template(TemplateName=name)["EmailTemplateResponse"]["Version"] == "1"
    subprocess.run(["aws", "pinpoint", "delete-email-template", "--template-name", name],
                   check=True, capture_output=True, text=True)
    expect_error("NotFoundException", c.get_email_template, TemplateName=name)
    expect_error("BadRequestException", c.create_sms_template, TemplateName="-bad", SMSTemplateRequest={"Body": "x"})


def pinfold_outbox(method, app, query=""):
    """A request to pinfold's outbox API (docs/messaging.md), signed as
    pinfold_events signs; returns (status, JSON body)."""
    import urllib.error
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=f"{ENDPOINT}/_pinfold/apps/{app}/messages{query}")
    SigV4Auth(Credentials("test", "test"), "mobiletargeting", "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, method=method, headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@check
def send_messages_and_outbox():
    """A template with variables; a send to an address, an endpoint and a
    user (boto3 and the aws CLI); the rendered messages read back from the
    outbox; an OTP sent and verified with the code read from the outbox."""
    c = pinpoint()
    app = new_app(c, "messaging")
    c.update_email_channel(ApplicationId=app, EmailChannelRequest={
        "Enabled": True, "FromAddress": "shop@example.com",
        "Identity": "arn:aws:ses:us-east-1:000000000000:identity/example.com"})
    c.update_sms_channel(ApplicationId=app, SMSChannelRequest={"Enabled": True, "SenderId": "SHOP"})
    c.update_endpoint(ApplicationId=app, EndpointId="ana-email", EndpointRequest={
        "ChannelType": "EMAIL", "Address": "ana@example.com", "Attributes": {"Plan": ["gold"]},
        "User": {"UserId": "ana", "UserAttributes": {"FirstName": ["Ana"]}}})
    c.update_endpoint(ApplicationId=app, EndpointId="ana-sms", EndpointRequest={
        "ChannelType": "SMS", "Address": "+12065550100", "User": {"UserId": "ana"}})
    name = "conformance-news"
    c.create_email_template(TemplateName=name, EmailTemplateRequest={
        "Subject": "Hello {{User.UserAttributes.FirstName}}",
        "HtmlPart": "<p>Your plan: {{Attributes.Plan}} ({{upper Attributes.Plan}})</p>",
        "TextPart": "Plan {{Attributes.Plan}}",
        "DefaultSubstitutions": json.dumps({"User.UserAttributes.FirstName": "friend", "Attributes.Plan": "free"})})
    try:
        assert pinfold_outbox("DELETE", app)[0] == 200
        r = c.send_messages(ApplicationId=app, MessageRequest={
            "Addresses": {"bob@example.com": {"ChannelType": "EMAIL"}},
            "Endpoints": {"ana-email": {}, "nobody": {}},
            "MessageConfiguration": {},
            "TemplateConfiguration": {"EmailTemplate": {"Name": name}},
            "TraceId": "conformance"})["MessageResponse"]
        bob = r["Result"]["bob@example.com"]
        ana = r["EndpointResult"]["ana-email"]
        assert bob["DeliveryStatus"] == "SUCCESSFUL" and bob["StatusCode"] == 200 and bob["MessageId"], bob
        assert ana["DeliveryStatus"] == "SUCCESSFUL" and ana["Address"] == "ana@example.com", ana
        assert r["EndpointResult"]["nobody"]["DeliveryStatus"] == "PERMANENT_FAILURE", r
        status, out = pinfold_outbox("GET", app, f"?message-id={ana['MessageId']}")
        assert status == 200 and len(out["Messages"]) == 1, out
        m = out["Messages"][0]
        assert m["Subject"] == "Hello Ana" and m["HtmlBody"] == "<p>Your plan: gold (GOLD)</p>", m
        assert m["From"] == "shop@example.com" and m["TemplateName"] == name and m["TraceId"] == "conformance", m
        status, out = pinfold_outbox("GET", app, "?address=bob%40example.com")
        assert out["Messages"][0]["Subject"] == "Hello friend", out
        assert out["Messages"][0]["TextBody"] == "Plan free", out

        # SendUsersMessages with the aws CLI: every endpoint of the user.
        got = subprocess.run(["aws", "pinpoint", "send-users-messages", "--application-id", app,
                              "--send-users-message-request", json.dumps({
                                  "Users": {"ana": {}},
                                  "MessageConfiguration": {"SMSMessage": {"Body": "Hi from the CLI"},
                                                           "EmailMessage": {"SimpleEmail": {
                                                               "Subject": {"Data": "CLI"},
                                                               "TextPart": {"Data": "Hi from the CLI"}}}}})],
                             check=True, capture_output=True, text=True).stdout
        res = json.loads(got)["SendUsersMessageResponse"]["Result"]["ana"]
        assert set(res) == {"ana-email", "ana-sms"}, res
        assert all(v["DeliveryStatus"] == "SUCCESSFUL" for v in res.values()), res
        status, out = pinfold_outbox("GET", app, "?user-id=ana&channel=SMS")
        assert [(m["Address"], m["Body"], m["From"]) for m in out["Messages"]] == [("+12065550100", "Hi from the CLI", "SHOP")], out

        # OTP: send with boto3, read the code from the outbox, verify with the CLI.
        r = c.send_otp_message(ApplicationId=app, SendOTPMessageRequestParameters={
            "BrandName": "Shop", "Channel": "SMS", "DestinationIdentity": "+12065550101",
            "OriginationIdentity": "+12065550199", "ReferenceId": "login-1", "CodeLength": 6})["MessageResponse"]
        assert r["Result"]["+12065550101"]["DeliveryStatus"] == "SUCCESSFUL", r
        status, out = pinfold_outbox("GET", app, "?address=%2B12065550101")
        body = out["Messages"][0]["Body"]
        code = body.split("Password: ")[1].split(" ")[0]
        assert len(code) == 6 and code.isdigit(), body
        verify = ["aws", "pinpoint", "verify-otp-message", "--application-id", app,
                  "--verify-otp-message-request-parameters"]
        wrong = "000000" if code != "000000" else "111111"
        out = subprocess.run(verify + [json.dumps({"DestinationIdentity": "+12065550101", "ReferenceId": "login-1",
                                                   "Otp": wrong})], check=True, capture_output=True, text=True).stdout
        assert json.loads(out)["VerificationResponse"]["Valid"] is False, out
        out = subprocess.run(verify + [json.dumps({"DestinationIdentity": "+12065550101", "ReferenceId": "login-1",
                                                   "Otp": code})], check=True, capture_output=True, text=True).stdout
        assert json.loads(out)["VerificationResponse"]["Valid"] is True, out

        status, out = pinfold_outbox("DELETE", app)
        assert status == 200 and out["Deleted"] == 5, out
        assert pinfold_outbox("GET", app)[1]["Messages"] == []
    finally:
        c.delete_email_template(TemplateName=name)


def main():
    only = set(sys.argv[1:])
    passed = failed = 0
    for fn in CHECKS:
        if only and fn.__name__ not in only:
            continue
        t0 = time.time()
        try:
            fn()
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {fn.__name__} ({time.time() - t0:.2f}s)")
    print(f"conformance: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
