"""The well-formedness rules themselves, on a history whose shape is known."""
from garcon_sim import Simulator

from .wellformed import problems


def test_an_activity_canceled_on_request_points_at_its_cancel_request():
    """botocore's model: ActivityTaskCanceled.latestCancelRequestedEventId is the id of the
    ActivityTaskCancelRequested event of that activity."""
    swf = Simulator(seed=0).direct_client()
    swf.register_domain(name="d", workflowExecutionRetentionPeriodInDays="1")
    swf.register_workflow_type(domain="d", name="w", version="1",
                               defaultTaskList={"name": "w"}, defaultChildPolicy="TERMINATE",
                               defaultExecutionStartToCloseTimeout="600",
                               defaultTaskStartToCloseTimeout="60")
    swf.register_activity_type(domain="d", name="a", version="1",
                               defaultTaskList={"name": "a"},
                               defaultTaskScheduleToStartTimeout="60",
                               defaultTaskScheduleToCloseTimeout="120",
                               defaultTaskStartToCloseTimeout="60",
                               defaultTaskHeartbeatTimeout="NONE")
    run_id = swf.start_workflow_execution(domain="d", workflowId="x",
                                          workflowType={"name": "w", "version": "1"})["runId"]

    def decide(*decisions):
        task = swf.poll_for_decision_task(domain="d", taskList={"name": "w"})
        swf.respond_decision_task_completed(taskToken=task["taskToken"],
                                            decisions=list(decisions))

    decide({"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
        "activityId": "job", "activityType": {"name": "a", "version": "1"}}})
    job = swf.poll_for_activity_task(domain="d", taskList={"name": "a"})
    swf.signal_workflow_execution(domain="d", workflowId="x", signalName="stop")
    decide({"decisionType": "RequestCancelActivityTask",
            "requestCancelActivityTaskDecisionAttributes": {"activityId": "job"}})
    swf.respond_activity_task_canceled(taskToken=job["taskToken"])
    decide({"decisionType": "CancelWorkflowExecution",
            "cancelWorkflowExecutionDecisionAttributes": {}})
    events = swf.get_workflow_execution_history(
        domain="d", execution={"workflowId": "x", "runId": run_id})["events"]
    canceled = next(e for e in events if e["eventType"] == "ActivityTaskCanceled")
    requested = canceled["activityTaskCanceledEventAttributes"]["latestCancelRequestedEventId"]
    assert events[requested - 1]["eventType"] == "ActivityTaskCancelRequested"
    assert problems(events) == []
