"""Runs the MFA cleanup handler (assets/lambda/mfa_cleanup.py) against moto's
in-process IAM and prints what happened as JSON, for mfacleanup_test.go.

Usage: python3 run_mfa_cleanup.py HANDLER.py
"""

import importlib.util
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

responses = []


class Receiver(BaseHTTPRequestHandler):
    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        responses.append({"contentType": self.headers.get("Content-Type"), "body": json.loads(body)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class Context:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:g-mfa-cleanup"


class Denied:
    """An IAM client whose every call is refused."""

    def get_paginator(self, name):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform: iam:ListMFADevices"}}, "ListMFADevices")


def event(kind, user, url):
    return {"RequestType": kind, "ResponseURL": url, "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/g-participant-koo/x",
            "RequestId": "r-1", "LogicalResourceId": "UserMfaCleanup", "PhysicalResourceId": user,
            "ResourceType": "Custom::MfaCleanup", "ResourceProperties": {"ServiceToken": "arn", "UserName": user}}


def main():
    spec = importlib.util.spec_from_file_location("index", sys.argv[1])
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/response?X-Amz-Signature=x" % server.server_port
    out = {}
    with mock_aws():
        iam = boto3.client("iam")
        # koo enabled a virtual device named after them and a hardware token.
        iam.create_user(UserName="g-koo")
        v = iam.create_virtual_mfa_device(VirtualMFADeviceName="g-koo")["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName="g-koo", SerialNumber=v, AuthenticationCode1="123456", AuthenticationCode2="654321")
        iam.enable_mfa_device(UserName="g-koo", SerialNumber="GAHT12345678", AuthenticationCode1="123456", AuthenticationCode2="654321")
        # lee created a virtual device and never enabled it.
        iam.create_user(UserName="g-lee")
        iam.create_virtual_mfa_device(VirtualMFADeviceName="g-lee")
        # park never touched MFA.
        iam.create_user(UserName="g-park")
        # someone else's device stays.
        iam.create_virtual_mfa_device(VirtualMFADeviceName="instructor")

        handler.handler(event("Create", "g-koo", url), Context(), iam)
        out["createDevices"] = len(iam.list_mfa_devices(UserName="g-koo")["MFADevices"])
        for user in ["g-koo", "g-lee", "g-park", "g-gone"]:
            handler.handler(event("Delete", user, url), Context(), iam)
            try:
                # moto's DeleteUser does not refuse a user with MFA devices
                # as IAM does, so the devices left are what counts.
                out[user] = len(iam.list_mfa_devices(UserName=user)["MFADevices"])
            except ClientError as e:
                out[user] = e.response["Error"]["Code"]
        out["virtualLeft"] = sorted(d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"])
        handler.handler(event("Delete", "g-koo", url), Context(), Denied())
    server.shutdown()
    out["responses"] = responses
    print(json.dumps(out))


main()
