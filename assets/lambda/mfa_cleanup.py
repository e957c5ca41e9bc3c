"""seclab MFA cleanup: a CloudFormation custom resource handler.

IAM refuses to delete a user who still has an MFA device (DeleteConflict), and
CloudFormation's deletion of AWS::IAM::User does not remove MFA devices, so a
participant who enabled MFA would leave their stack in DELETE_FAILED. Each
participant stack holds a Custom::MfaCleanup resource that refers to the
participant's user; CloudFormation deletes it before the user, and on that
Delete this handler deactivates every MFA device of the user and deletes the
user's virtual MFA device (participants may create only one, named after
themselves), assigned or not, so that nothing is left behind.

Create and Update do nothing. Only the standard library and boto3 (which the
Lambda runtime includes) are used, and the response goes to CloudFormation's
pre-signed URL with urllib.
"""

import json
import urllib.request

import boto3
from botocore.exceptions import ClientError


def cleanup(iam, user, partition, account):
    """Removes the user's MFA devices; returns the serial numbers removed."""
    removed = []
    try:
        pages = iam.get_paginator("list_mfa_devices").paginate(UserName=user)
        devices = [d for page in pages for d in page["MFADevices"]]
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchEntity":
            return removed  # the user is gone already: nothing to do
        raise
    for device in devices:
        serial = device["SerialNumber"]
        iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
        removed.append(serial)
        if serial.startswith("arn:") and ":mfa/" in serial:
            delete_virtual(iam, serial)
    # A virtual device the user created but never enabled is not listed for
    # the user; it is named after them.
    own = "arn:%s:iam::%s:mfa/%s" % (partition, account, user)
    if own not in removed and delete_virtual(iam, own):
        removed.append(own)
    return removed


def delete_virtual(iam, serial):
    try:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchEntity":
            return False
        raise


def handler(event, context, iam=None):
    user = event.get("ResourceProperties", {}).get("UserName", "")
    status, reason = "SUCCESS", "nothing to do on " + event.get("RequestType", "?")
    try:
        if event["RequestType"] == "Delete" and user:
            # arn:<partition>:lambda:<region>:<account>:function:<name>
            parts = context.invoked_function_arn.split(":")
            removed = cleanup(iam or boto3.client("iam"), user, parts[1], parts[4])
            reason = "removed %d MFA device(s) of IAM user %s: %s" % (len(removed), user, ", ".join(removed) or "none")
        print(reason)
    except Exception as e:  # every failure goes back to CloudFormation
        status = "FAILED"
        reason = "could not remove the MFA devices of IAM user %s, so it cannot be deleted: %s" % (user, e)
        print(reason)
    respond(event, status, reason, user or event.get("PhysicalResourceId") or event["LogicalResourceId"])


def respond(event, status, reason, physical_id):
    body = json.dumps({
        "Status": status,
        "Reason": reason[:1000],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }).encode()
    req = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                 headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
