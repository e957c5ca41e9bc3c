"""Runs the teardown state machine's definition in moto's Step Functions
interpreter (a port of LocalStack's), against moto's CloudFormation and SNS,
and prints what happened as JSON.

The Go test (sim_test.go) writes a case file:
  {"definition": "<ASL with ${TopicArn}>",
   "stacks": {"<name>": {"exists": true,
                         "attempts": [["DELETE_IN_PROGRESS", "DELETE_FAILED"], ...],
                         "reason": "...", "deny": false}}}
Each DeleteStack call starts the next attempt; each DescribeStacks call then
shows the attempt's next status (the last one repeats). DELETE_COMPLETE removes
the stack, so that DescribeStacks by name answers "does not exist" as
CloudFormation does. "deny" makes DeleteStack answer AccessDenied.

Usage: python3 run_teardown.py CASE.json  (prints the result on stdout)
"""

import json
import os
import socket
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    case = json.load(open(sys.argv[1]))
    port = free_port()
    # The interpreter's SDK tasks call back into the server on MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"

    import boto3
    from moto.cloudformation.exceptions import CloudFormationError
    from moto.cloudformation.models import CloudFormationBackend
    from moto.core.config import default_user_config
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.sns.models import sns_backends

    default_user_config["stepfunctions"] = {"execute_state_machine": True}

    scripts = case["stacks"]
    calls = {name: {"delete": 0, "describe": 0} for name in scripts}
    progress = {}  # stack name -> statuses still to show in this attempt

    class AccessDenied(CloudFormationError):
        code = "AccessDenied"

    orig_describe = CloudFormationBackend.describe_stacks

    def find(backend, name_or_id):
        for st in backend.stacks.values():
            if name_or_id in (st.name, st.stack_id):
                return st
        return None

    def delete_stack(self, name_or_id):
        st = find(self, name_or_id)
        if st is None:
            return  # CloudFormation answers success for a stack that is not there
        script = scripts.get(st.name, {})
        calls.setdefault(st.name, {"delete": 0, "describe": 0})["delete"] += 1
        if script.get("deny"):
            raise AccessDenied(f"User is not authorized to perform: cloudformation:DeleteStack on resource: {st.stack_id}")
        if st.status == "DELETE_IN_PROGRESS":
            return  # already being deleted: CloudFormation ignores the call
        attempts = script.get("attempts") or [["DELETE_COMPLETE"]]
        n = calls[st.name]["delete"] - 1
        progress[st.name] = list(attempts[min(n, len(attempts) - 1)])
        st.status = "DELETE_IN_PROGRESS"
        st.status_reason = "User Initiated"

    def describe_stacks(self, name_or_id):
        result = orig_describe(self, name_or_id)
        if not name_or_id:
            return result
        st = result[0]
        calls.setdefault(st.name, {"delete": 0, "describe": 0})["describe"] += 1
        pending = progress.get(st.name)
        if pending:
            st.status = pending.pop(0) if len(pending) > 1 else pending[0]
            if st.status == "DELETE_FAILED":
                st.status_reason = scripts[st.name].get("reason")
            if st.status == "DELETE_COMPLETE":
                progress.pop(st.name)
                self.stacks.pop(st.stack_id, None)
                self.deleted_stacks[st.stack_id] = st
        return result

    CloudFormationBackend.delete_stack = delete_stack
    CloudFormationBackend.describe_stacks = describe_stacks

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        cfn = boto3.client("cloudformation", endpoint_url=endpoint)
        sns = boto3.client("sns", endpoint_url=endpoint)
        sfn = boto3.client("stepfunctions", endpoint_url=endpoint)
        for name, script in scripts.items():
            if script.get("exists", True):
                template = {"Resources": {"Marker": {"Type": "AWS::SSM::Parameter", "Properties": {
                    "Name": "/teardown-test/" + name, "Type": "String", "Value": name}}}}
                cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
        topic = sns.create_topic(Name="teardown")["TopicArn"]
        definition = case["definition"].replace("${TopicArn}", topic)
        machine = sfn.create_state_machine(
            name="teardown", definition=definition,
            roleArn="arn:aws:iam::123456789012:role/teardown")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        deadline = time.time() + float(case.get("timeoutSeconds", 120))
        while True:
            desc = sfn.describe_execution(executionArn=execution)
            if desc["status"] != "RUNNING" or time.time() > deadline:
                break
            time.sleep(0.2)
        history = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
        failure = next((e.get("executionFailedEventDetails") for e in history if e["type"] == "ExecutionFailed"), None) or {}
        calls_seen = json.loads(json.dumps(calls))
        stacks = {}
        for name in scripts:
            try:
                stacks[name] = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            except cfn.exceptions.ClientError:
                stacks[name] = "GONE"
        backend = sns_backends["123456789012"]["us-east-1"]
        messages = [{"subject": n[2], "message": n[1]} for n in backend.topics[topic].sent_notifications]
        if os.environ.get("TEARDOWN_SIM_HISTORY"):
            json.dump(history, sys.stderr, default=str, indent=1)
        json.dump({"status": desc["status"], "error": failure.get("error"), "cause": failure.get("cause"),
                   "entered": entered, "stacks": stacks, "calls": calls_seen, "messages": messages}, sys.stdout)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
