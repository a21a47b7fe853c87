"""EventBridge rules in the compute plane (not an event source mapping: no ``SERVICE``).

    schedules.py   rate() and AWS's six-field cron(), next firing after a time
    patterns.py    event patterns: validation and EventBridge's matching
    inputs.py      Input, InputPath, InputTransformer: what a target receives
    targets.py     delivery to Lambda (asynchronous), SQS, SNS, Step Functions; retries, DLQ
    rules.py       the source the plane's family drives: schedules fired, events delivered
    moto_events.py moto's own delivery switched off; PutRule/PutTargets checked as AWS checks
"""
