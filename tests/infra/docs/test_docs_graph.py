"""The resource graph: every kind of edge that is not a Ref, found on small inline templates
translated by the toolkit's own loader (SAM events become the CloudFormation AWS would see)."""

from __future__ import annotations

from infra.docs.model import (ALARM_ACTION, API_INTEGRATION, CLIENT_CALL, DEAD_LETTER_QUEUE, DESTINATION,
                              EVENT_SOURCE_MAPPING, PIPE, REFERENCE, S3_NOTIFICATION, SCHEDULE, SNS_SUBSCRIPTION,
                              STATE_MACHINE_TASK)


def edge(graph, source, target, kind):
    found = [e for e in graph.edges if (e.source, e.target, e.kind) == (source, target, kind)]
    assert found, f"no {kind} edge {source} -> {target}; edges: {[(e.source, e.target, e.kind) for e in graph.edges]}"
    return found[0]


def test_an_sqs_mapping_is_an_edge_with_its_batch_settings_and_the_queue_redrive_is_a_dlq_edge(graph_of):
    graph = graph_of("""
        Resources:
          Dead: {Type: AWS::SQS::Queue}
          Work:
            Type: AWS::SQS::Queue
            Properties:
              VisibilityTimeout: 60
              RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 4}
          Worker:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Jobs:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt Work.Arn
                    BatchSize: 7
                    MaximumBatchingWindowInSeconds: 2
                    FunctionResponseTypes: [ReportBatchItemFailures]
                    FilterCriteria: {Filters: [{Pattern: '{"body": {"kind": ["order"]}}'}]}
        """)
    mapping = edge(graph, "Work", "Worker", EVENT_SOURCE_MAPPING)
    settings = dict(mapping.settings)
    assert settings["BatchSize"] == "7" and settings["MaximumBatchingWindowInSeconds"] == "2"
    assert "ReportBatchItemFailures" in settings["FunctionResponseTypes"] and "order" in settings["FilterCriteria"]
    assert mapping.label == "batch 7, window 2 s"
    assert "after 4 receives" in edge(graph, "Work", "Dead", DEAD_LETTER_QUEUE).label


def test_a_kinesis_mapping_keeps_starting_position_bisect_retries_and_its_failure_destination(graph_of):
    graph = graph_of("""
        Resources:
          Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 2}}
          Failed: {Type: AWS::SQS::Queue}
          Reader:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Records:
                  Type: Kinesis
                  Properties:
                    Stream: !GetAtt Stream.Arn
                    StartingPosition: TRIM_HORIZON
                    BatchSize: 100
                    BisectBatchOnFunctionError: true
                    MaximumRetryAttempts: 2
                    DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
        """)
    settings = dict(edge(graph, "Stream", "Reader", EVENT_SOURCE_MAPPING).settings)
    assert settings["StartingPosition"] == "TRIM_HORIZON" and settings["BisectBatchOnFunctionError"] == "true"
    assert settings["MaximumRetryAttempts"] == "2"
    assert "on failure" in edge(graph, "Reader", "Failed", DESTINATION).label


def test_s3_notifications_to_a_topic_a_queue_and_a_function_are_edges(graph_of):
    graph = graph_of("""
        Resources:
          Topic: {Type: AWS::SNS::Topic}
          Queue: {Type: AWS::SQS::Queue}
          Uploads:
            Type: AWS::S3::Bucket
            Properties:
              NotificationConfiguration:
                TopicConfigurations: [{Event: "s3:ObjectCreated:*", Topic: !Ref Topic}]
                QueueConfigurations: [{Event: "s3:ObjectRemoved:*", Queue: !GetAtt Queue.Arn}]
          Images: {Type: AWS::S3::Bucket}
          Resize:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Put: {Type: S3, Properties: {Bucket: !Ref Images, Events: "s3:ObjectCreated:Put"}}
        """)
    assert edge(graph, "Uploads", "Topic", S3_NOTIFICATION).label == "s3:ObjectCreated:*"
    assert edge(graph, "Uploads", "Queue", S3_NOTIFICATION).label == "s3:ObjectRemoved:*"
    assert edge(graph, "Images", "Resize", S3_NOTIFICATION).label == "s3:ObjectCreated:Put"
    assert edge(graph, "Client", "Uploads", CLIENT_CALL).label == "puts"  # nothing in the template feeds it


def test_sns_subscriptions_as_resources_inline_and_sam_events_with_filter_and_redrive(graph_of):
    graph = graph_of("""
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Subscription: [{Protocol: sqs, Endpoint: !GetAtt Inline.Arn}]
          Inline: {Type: AWS::SQS::Queue}
          Copy: {Type: AWS::SQS::Queue}
          Undelivered: {Type: AWS::SQS::Queue}
          CopySubscription:
            Type: AWS::SNS::Subscription
            Properties:
              TopicArn: !Ref Topic
              Protocol: sqs
              Endpoint: !GetAtt Copy.Arn
              FilterPolicy: {kind: [png]}
              RedrivePolicy: {deadLetterTargetArn: !GetAtt Undelivered.Arn}
          Listener:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Notes: {Type: SNS, Properties: {Topic: !Ref Topic}}
        """)
    assert edge(graph, "Topic", "Inline", SNS_SUBSCRIPTION).label == "sqs"
    assert "png" in dict(edge(graph, "Topic", "Copy", SNS_SUBSCRIPTION).settings)["FilterPolicy"]
    assert edge(graph, "Topic", "Listener", SNS_SUBSCRIPTION).label == "lambda"
    assert edge(graph, "Topic", "Undelivered", DEAD_LETTER_QUEUE)


def test_rest_api_openapi_integrations_reach_lambda_sqs_step_functions_and_an_http_backend_but_not_mock(graph_of):
    graph = graph_of("""
        Parameters:
          Backend: {Type: String, Default: "http://legacy.example.com"}
        Resources:
          Orders: {Type: AWS::Serverless::Function}
          Jobs: {Type: AWS::SQS::Queue}
          Flow:
            Type: AWS::Serverless::StateMachine
            Properties:
              Definition: {StartAt: Done, States: {Done: {Type: Succeed}}}
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                openapi: 3.0.1
                info: {title: t, version: "1"}
                paths:
                  /health:
                    get:
                      x-amazon-apigateway-integration:
                        type: mock
                        requestTemplates: {application/json: '{"statusCode": 200}'}
                  /orders:
                    post:
                      x-amazon-apigateway-integration:
                        type: aws_proxy
                        httpMethod: POST
                        uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/\
                          ${Orders.Arn}/invocations"
                        timeoutInMillis: 5000
                  /jobs:
                    post:
                      x-amazon-apigateway-integration:
                        type: aws
                        httpMethod: POST
                        uri: !Sub arn:aws:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${Jobs.QueueName}
                  /flows:
                    post:
                      x-amazon-apigateway-integration:
                        type: aws
                        httpMethod: POST
                        uri: !Sub arn:aws:apigateway:${AWS::Region}:states:action/StartExecution
                        requestTemplates: {application/json: !Sub '{"stateMachineArn": "${Flow}"}'}
                  /legacy/{proxy+}:
                    x-amazon-apigateway-any-method:
                      x-amazon-apigateway-integration:
                        {type: http_proxy, httpMethod: ANY, uri: !Sub "${Backend}/{proxy}"}
        """)
    orders = edge(graph, "Api", "Orders", API_INTEGRATION)
    assert orders.label == "POST /orders" and ("timeoutInMillis", "5000") in orders.settings
    assert edge(graph, "Api", "Jobs", API_INTEGRATION).label == "POST /jobs"
    assert edge(graph, "Api", "Flow", API_INTEGRATION).label == "POST /flows"
    backend = [e for e in graph.out_of("Api", (API_INTEGRATION,)) if not graph.nodes[e.target].type]
    assert [e.label for e in backend] == ["ANY /legacy/{proxy+}"]
    assert "HTTP endpoint" in graph.nodes[backend[0].target].kind
    assert not [e for e in graph.edges if "/health" in e.label]
    assert edge(graph, "Client", "Api", CLIENT_CALL).label == "HTTPS"


def test_method_resources_v2_integrations_and_sam_http_api_events_are_api_edges(graph_of):
    graph = graph_of("""
        Resources:
          Handler: {Type: AWS::Serverless::Function}
          Rest: {Type: AWS::ApiGateway::RestApi, Properties: {Name: rest}}
          Items:
            Type: AWS::ApiGateway::Resource
            Properties: {RestApiId: !Ref Rest, ParentId: !GetAtt Rest.RootResourceId, PathPart: items}
          GetItems:
            Type: AWS::ApiGateway::Method
            Properties:
              RestApiId: !Ref Rest
              ResourceId: !Ref Items
              HttpMethod: GET
              AuthorizationType: NONE
              Integration:
                Type: AWS_PROXY
                IntegrationHttpMethod: POST
                Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Handler.Arn}/invocations
          Socket:
            Type: AWS::ApiGatewayV2::Api
            Properties: {Name: s, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
          SocketIntegration:
            Type: AWS::ApiGatewayV2::Integration
            Properties:
              ApiId: !Ref Socket
              IntegrationType: AWS_PROXY
              IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/\
                ${Handler.Arn}/invocations"
          Connect:
            Type: AWS::ApiGatewayV2::Route
            Properties: {ApiId: !Ref Socket, RouteKey: $connect, Target: !Sub "integrations/${SocketIntegration}"}
          HttpHandler:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Root: {Type: HttpApi, Properties: {Path: /things, Method: get}}
        """)
    assert edge(graph, "Rest", "Handler", API_INTEGRATION).label == "GET /items"
    assert edge(graph, "Socket", "Handler", API_INTEGRATION).label == "$connect"
    assert edge(graph, "Client", "Socket", CLIENT_CALL).label == "WebSocket"
    http_api = [e for e in graph.into("HttpHandler", (API_INTEGRATION,))]
    assert [e.label for e in http_api] == ["GET /things"]
    assert graph.nodes[http_api[0].source].kind == "API Gateway HTTP API"


def test_state_machine_tasks_reach_functions_queues_and_tables_including_inside_parallel_branches(graph_of):
    graph = graph_of("""
        Resources:
          Price: {Type: AWS::Serverless::Function}
          Audit: {Type: AWS::SQS::Queue}
          Orders:
            Type: AWS::DynamoDB::Table
            Properties:
              BillingMode: PAY_PER_REQUEST
              AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
              KeySchema: [{AttributeName: id, KeyType: HASH}]
          Flow:
            Type: AWS::Serverless::StateMachine
            Properties:
              Policies: [{LambdaInvokePolicy: {FunctionName: !Ref Price}}]
              DefinitionSubstitutions: {AuditUrl: !Ref Audit, Table: !Ref Orders}
              Definition:
                StartAt: Both
                States:
                  Both:
                    Type: Parallel
                    End: true
                    Branches:
                      - StartAt: PriceIt
                        States:
                          PriceIt:
                            Type: Task
                            Resource: !GetAtt Price.Arn
                            Retry: [{ErrorEquals: [States.TaskFailed], MaxAttempts: 2}]
                            End: true
                      - StartAt: Record
                        States:
                          Record:
                            Type: Task
                            Resource: arn:aws:states:::sqs:sendMessage
                            Parameters: {QueueUrl: "${AuditUrl}", MessageBody.$: $}
                            Next: Store
                          Store:
                            Type: Task
                            Resource: arn:aws:states:::dynamodb:putItem
                            Parameters: {TableName: "${Table}", Item: {id: {S.$: $.id}}}
                            End: true
        """)
    price = edge(graph, "Flow", "Price", STATE_MACHINE_TASK)
    assert price.label == "PriceIt (lambda)" and "States.TaskFailed" in dict(price.settings)["Retry"]
    assert edge(graph, "Flow", "Audit", STATE_MACHINE_TASK).label == "Record (sqs:sendMessage)"
    assert edge(graph, "Flow", "Orders", STATE_MACHINE_TASK).label == "Store (dynamodb:putItem)"


def test_rules_schedules_scheduler_and_runtime_schedules_are_schedule_edges_with_their_dlq(graph_of):
    graph = graph_of("""
        Resources:
          Missed: {Type: AWS::SQS::Queue}
          Nightly:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Every:
                  Type: Schedule
                  Properties: {Schedule: rate(1 day), DeadLetterConfig: {Arn: !GetAtt Missed.Arn}}
          Hourly: {Type: AWS::Serverless::Function}
          HourlySchedule:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(1 hour)
              FlexibleTimeWindow: {Mode: "OFF"}
              Target: {Arn: !GetAtt Hourly.Arn, RoleArn: !GetAtt SchedulerInvokeRole.Arn}
          Alarm:
            Type: AWS::Serverless::Function
            Properties: {FunctionName: !Sub "${AWS::StackName}-alarm"}
          SchedulerInvokeRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement: [{Effect: Allow, Principal: {Service: scheduler.amazonaws.com}, Action: sts:AssumeRole}]
              Policies:
                - PolicyName: invoke
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: lambda:InvokeFunction
                        Resource: !Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-alarm
        """)
    rule = [e for e in graph.into("Nightly", (SCHEDULE,))]
    assert [e.label for e in rule] == ["rate(1 day)"]
    assert edge(graph, rule[0].source, "Missed", DEAD_LETTER_QUEUE)
    assert edge(graph, "HourlySchedule", "Hourly", SCHEDULE).label == "rate(1 hour)"
    runtime = edge(graph, "EventBridgeScheduler", "Alarm", SCHEDULE)  # the role names the function by its name
    assert "SchedulerInvokeRole" in runtime.label and graph.nodes["EventBridgeScheduler"].type == ""
    assert not [e for e in graph.into("Hourly", (SCHEDULE,)) if e.source == "EventBridgeScheduler"]


def test_an_alarm_action_is_an_edge_to_its_topic(graph_of):
    graph = graph_of("""
        Resources:
          Pager: {Type: AWS::SNS::Topic}
          Errors:
            Type: AWS::CloudWatch::Alarm
            Properties:
              MetricName: Errors
              Namespace: AWS/Lambda
              Statistic: Sum
              Period: 60
              EvaluationPeriods: 1
              Threshold: 1
              ComparisonOperator: GreaterThanOrEqualToThreshold
              AlarmActions: [!Ref Pager]
        """)
    assert edge(graph, "Errors", "Pager", ALARM_ACTION).label == "ALARM: Errors"


def test_a_function_dlq_and_its_invoke_destinations_are_failure_edges(graph_of):
    graph = graph_of("""
        Resources:
          Dead: {Type: AWS::SQS::Queue}
          Done: {Type: AWS::SNS::Topic}
          Failed: {Type: AWS::SQS::Queue}
          Worker:
            Type: AWS::Serverless::Function
            Properties:
              DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dead.Arn}
              EventInvokeConfig:
                MaximumRetryAttempts: 1
                DestinationConfig:
                  OnSuccess: {Type: SNS, Destination: !Ref Done}
                  OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}
        """)
    assert edge(graph, "Worker", "Dead", DEAD_LETTER_QUEUE).label == "failed asynchronous events"
    assert edge(graph, "Worker", "Failed", DESTINATION).label.startswith("on failure")
    success = edge(graph, "Worker", "Done", DESTINATION)
    assert success.label.startswith("on success") and ("MaximumRetryAttempts", "1") in success.settings


def test_a_function_environment_and_role_give_reference_edges_labelled_by_what_names_them(graph_of):
    graph = graph_of("""
        Resources:
          Table:
            Type: AWS::DynamoDB::Table
            Properties:
              BillingMode: PAY_PER_REQUEST
              AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
              KeySchema: [{AttributeName: id, KeyType: HASH}]
          Output: {Type: AWS::S3::Bucket}
          Writer:
            Type: AWS::Serverless::Function
            Properties:
              Environment: {Variables: {TABLE: !Ref Table}}
              Policies:
                - DynamoDBCrudPolicy: {TableName: !Ref Table}
                - S3WritePolicy: {BucketName: !Ref Output}
        """)
    assert edge(graph, "Writer", "Table", REFERENCE).label == "TABLE, dynamodb (IAM)"
    assert edge(graph, "Writer", "Output", REFERENCE).label == "s3 (IAM)"
    assert not any(node.type.startswith("AWS::IAM::") for node in graph.nodes.values())  # roles are not boxes


def test_a_rule_on_a_custom_bus_and_a_pipe_are_flow_edges(graph_of):
    graph = graph_of("""
        Resources:
          Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders}}
          Shipped: {Type: AWS::Serverless::Function}
          OnShipped:
            Type: AWS::Events::Rule
            Properties:
              EventBusName: !Ref Bus
              EventPattern: {source: [shop], detail-type: [shipped]}
              Targets: [{Id: fn, Arn: !GetAtt Shipped.Arn}]
          Changes: {Type: AWS::SQS::Queue}
          Sink: {Type: AWS::SNS::Topic}
          PipeRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement: [{Effect: Allow, Principal: {Service: pipes.amazonaws.com}, Action: sts:AssumeRole}]
          Forward:
            Type: AWS::Pipes::Pipe
            Properties:
              RoleArn: !GetAtt PipeRole.Arn
              Source: !GetAtt Changes.Arn
              SourceParameters: {SqsQueueParameters: {BatchSize: 5}}
              Target: !Ref Sink
        """)
    assert "detail-type=shipped" in edge(graph, "Bus", "OnShipped", SCHEDULE).label
    assert edge(graph, "OnShipped", "Shipped", SCHEDULE)
    assert edge(graph, "Client", "Bus", CLIENT_CALL).label == "puts"
    assert "BatchSize" in dict(edge(graph, "Changes", "Forward", PIPE).settings)["SqsQueueParameters"]
    assert edge(graph, "Forward", "Sink", PIPE).label == "target"
