#!/usr/bin/python3
"""A client of Cairn built only from the .proto files (compiled here with plain protoc,
as grpc_tools ships it): submits a job, watches it to the end, prints one JSON line per
event, then the job's stdout, over TLS verified with the CA that signed the gateway's
certificate, as the person whose access token is in $CAIRN_TOKEN.
Usage: CAIRN_TOKEN=... proto_client.py HOST:PORT PROTO_DIR CA_FILE"""
import importlib
import json
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc
import pkg_resources  # noqa: F401  (grpc_tools needs its include path)

address, proto_dir, ca_file = sys.argv[1], sys.argv[2], sys.argv[3]
out = tempfile.mkdtemp()
include = pkg_resources.resource_filename("grpc_tools", "_proto")
rc = protoc.main(["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out}",
                  f"--grpc_python_out={out}", "cairn/v1/owner.proto", "cairn/v1/job_service.proto"])
if rc != 0:
    sys.exit(f"protoc failed: {rc}")
sys.path.insert(0, out)
pb = importlib.import_module("cairn.v1.job_service_pb2")
rpc = importlib.import_module("cairn.v1.job_service_pb2_grpc")

# Every call carries the token as `authorization: Bearer <token>` metadata.
auth = (("authorization", f"Bearer {os.environ['CAIRN_TOKEN']}"),)

with open(ca_file, "rb") as f:
    tls = grpc.ssl_channel_credentials(root_certificates=f.read())
with grpc.secure_channel(address, tls) as channel:
    stub = rpc.JobServiceStub(channel)
    spec = pb.JobSpec(name="from-python", image="lab/busybox:1.36",
                      command=["/bin/echo", "hello from a python client"])
    job = stub.SubmitJob(pb.SubmitJobRequest(spec=spec), metadata=auth).job
    for event in stub.WatchJob(pb.WatchJobRequest(job_id=job.job_id), metadata=auth):
        print(json.dumps({"state": pb.JobState.Name(event.state), "sequence": event.sequence,
                          "exit_code": event.exit_code.value if event.HasField("exit_code") else None}))
    output = stub.GetJobOutput(pb.GetJobOutputRequest(job_id=job.job_id), metadata=auth)
    print(json.dumps({"stdout": output.data.decode()}))
    try:
        stub.SubmitJob(pb.SubmitJobRequest(spec=pb.JobSpec(image="lab/busybox:1.36")), metadata=auth)
    except grpc.RpcError as error:
        print(json.dumps({"error": error.code().name, "details": error.details()}))
