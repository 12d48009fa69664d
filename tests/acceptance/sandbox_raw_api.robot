*** Settings ***
Documentation     The sandbox API seen raw through RequestsLibrary: envelopes, status codes and the
...               stream cursor exactly as a hand-written HTTP client sees them.
...
...               Needs a sandbox seeded with the demo tenant, given by the environment variables
...               REINFER_URL and REINFER_TOKEN (the acceptance runner starts one). Every test works
...               on streams of its own, so the shared ``routing`` stream is never moved.

Library           Collections
Library           String
Library           RequestsLibrary

Suite Setup       Open Sandbox Session
Suite Teardown    Delete All Sessions

Test Tags         sandbox-raw


*** Variables ***
${TOKEN: Secret}    %{REINFER_TOKEN}
${URL}              %{REINFER_URL}
${DATASET}          /api/v1/datasets/acme/retail-inbox
${UNAUTHORIZED}     401 Unauthorized: missing or invalid bearer token


*** Test Cases ***
Requests Without A Token Get A 401 Envelope
    ${response}=    GET    ${URL}/api/v1/projects    expected_status=401
    Should Be Equal    ${response.json()}[status]    error
    Should Be Equal    ${response.json()}[message]    ${UNAUTHORIZED}

The Readiness Probe Needs No Token
    ${response}=    GET    ${URL}/api/_sandbox/health    expected_status=200
    Should Be True    ${response.json()}[ready]

The Demo Tenant Is Served
    ${projects}=    Call Api    GET    /api/v1/projects
    ${names}=    Evaluate    [project["name"] for project in $projects["projects"]]
    Should Contain    ${names}    acme
    ${retail}=    Call Api    GET    ${DATASET}
    ${labels}=    Evaluate    [label["name"] for label in $retail["dataset"]["label_defs"]]
    Should Contain    ${labels}    Order > Missing
    ${tags}=    Call Api    GET    ${DATASET}/model-tags
    ${versions}=    Evaluate    {tag["name"]: tag["version"] for tag in $tags["model_tags"]}
    Should Be Equal    ${versions}    ${{ {"live": 1, "staging": 2} }}
    ${routing}=    Call Api    GET    ${DATASET}/streams/routing
    Should Be Equal As Integers    ${routing}[stream][model][version]    1

Fetching Does Not Move A Stream Until It Is Advanced
    ${stream}=    Create Test Stream    fetch
    ${first}=    Fetch Batch    ${stream}    5
    ${again}=    Fetch Batch    ${stream}    5
    Should Be Equal    ${first}    ${again}
    Length Should Be    ${first}[results]    5
    Should Be Equal    ${first}[results][-1][sequence_id]    ${first}[sequence_id]
    Advance Stream    ${stream}    ${first}[sequence_id]
    ${next}=    Fetch Batch    ${stream}    1
    Should Not Be Equal    ${next}[results][0][comment][uid]    ${first}[results][0][comment][uid]
    [Teardown]    Delete Test Stream    ${stream}

A Batch Of Filtered Comments Only Must Be Advanced Past
    VAR    &{filter}=    user_properties=${{ {"string:Country": {"one_of": ["Atlantis"]}} }}
    ${stream}=    Create Test Stream    filtered    comment_filter=${filter}
    ${batch}=    Fetch Batch    ${stream}    5    max_filtered=4
    Should Be Empty    ${batch}[results]
    Should Be Equal As Integers    ${batch}[filtered]    4
    ${same}=    Fetch Batch    ${stream}    5    max_filtered=4
    Should Be Equal    ${same}[sequence_id]    ${batch}[sequence_id]
    Advance Stream    ${stream}    ${batch}[sequence_id]
    ${later}=    Fetch Batch    ${stream}    5    max_filtered=4
    Should Not Be Equal    ${later}[sequence_id]    ${batch}[sequence_id]
    [Teardown]    Delete Test Stream    ${stream}

Stream Thresholds Decide Which Labels Come Back
    VAR    @{thresholds}=    ${{ {"name": ["Order"], "threshold": 0.35} }}
    ${stream}=    Create Test Stream    thresholds    thresholds=${thresholds}
    ${batch}=    Fetch Batch    ${stream}    20
    FOR    ${item}    IN    @{batch}[results]
        FOR    ${label}    IN    @{item}[labels]
            Should Be Equal    ${label}[name]    ${{ ["Order"] }}
            Should Be True    ${label}[probability] >= 0.35
        END
        Dictionary Should Contain Key    ${item}    entities
        Dictionary Should Contain Key    ${item}    label_properties
    END
    [Teardown]    Delete Test Stream    ${stream}

Results Carry Continuations And Threshold Names
    ${stream}=    Create Test Stream    results
    ${answer}=    Call Api    GET    ${stream}/results    max_results=3
    Length Should Be    ${answer}[results]    3
    Should Be True    ${answer}[more_results]
    VAR    ${first}=    ${answer}[results][0]
    VAR    ${taxonomy}=    ${first}[prediction][taxonomies][0]
    Should Be Equal    ${taxonomy}[name]    default
    FOR    ${label}    IN    @{taxonomy}[labels]
        Should Be Equal    ${label}[occurrence_confidence][thresholds][0]    stream
    END
    Advance Stream    ${stream}    ${first}[continuation]
    ${next}=    Call Api    GET    ${stream}/results    max_results=1
    Should Be Equal    ${next}[results][0][comment][uid]    ${answer}[results][1][comment][uid]
    [Teardown]    Delete Test Stream    ${stream}

Reset Moves A Stream Back To A Creation Time
    ${stream}=    Create Test Stream    reset
    ${first}=    Fetch Batch    ${stream}    3
    Advance Stream    ${stream}    ${first}[sequence_id]
    VAR    &{reset}=    to_comment_created_at=${first}[results][1][comment][created_at]
    ${answer}=    Call Api    POST    ${stream}/reset    ${reset}
    Should Not Be Empty    ${answer}[sequence_id]
    ${again}=    Fetch Batch    ${stream}    1
    Should Be Equal    ${again}[results][0][comment][uid]    ${first}[results][1][comment][uid]
    [Teardown]    Delete Test Stream    ${stream}

Errors Are Envelopes That Agree With The Status Code
    ${missing}=    Call Api    POST    ${DATASET}/streams/no-such-stream/fetch    ${{ {"size": 1} }}
    ...    expected_status=404
    Should Start With    ${missing}[message]    404 Not Found: stream 'no-such-stream'
    ${stream}=    Create Test Stream    errors
    ${invalid}=    Call Api    POST    ${stream}/fetch    ${{ {} }}    expected_status=400
    Should Be Equal    ${invalid}[message]    400 Bad Request: size: Field required
    ${routing}=    Fetch Batch    ${DATASET}/streams/routing    1
    VAR    &{foreign}=    sequence_id=${routing}[sequence_id]
    ${refused}=    Call Api    POST    ${stream}/advance    ${foreign}    expected_status=400
    Should Contain    ${refused}[message]    belongs to another stream
    [Teardown]    Delete Test Stream    ${stream}

Owner And Dataset May Be Sent As One Percent-Encoded Segment
    ${plain}=    Call Api    GET    ${DATASET}/streams/routing
    ${encoded}=    Call Api    GET    /api/v1/datasets/acme%2Fretail-inbox/streams/routing
    Should Be Equal    ${plain}    ${encoded}

Legacy Trigger Routes Share The Streams
    ${stream}=    Create Test Stream    legacy
    ${name}=    Fetch From Right    ${stream}    /
    ${trigger}=    Call Api    GET    ${DATASET}/triggers/${name}
    ${as_stream}=    Call Api    GET    ${stream}
    Should Be Equal    ${trigger}[trigger]    ${as_stream}[stream]
    ${batch}=    Call Api    POST    ${DATASET}/triggers/${name}/fetch    ${{ {"size": 2} }}
    Length Should Be    ${batch}[results]    2
    [Teardown]    Delete Test Stream    ${stream}

Predict With The Live Tag And Auto Thresholds
    VAR    &{document}=
    ...    messages=${{ [{"body": {"text": "My order ACM-104233 arrived broken, the vase is smashed."}}] }}
    VAR    &{request}=    documents=${{ [$document] }}    threshold=auto
    ${answer}=    Call Api    POST    ${DATASET}/labellers/live/predict    ${request}
    Should Be Equal As Integers    ${answer}[model][version]    1
    Should Not Be Empty    ${answer}[predictions][0]
    FOR    ${label}    IN    @{answer}[predictions][0]
        Should Not Be Empty    ${label}[auto_thresholds]
    END
    ${unknown}=    Call Api    POST    ${DATASET}/labellers/99/predict    ${request}    expected_status=404
    Should Contain    ${unknown}[message]    not pinned

Unreviewed Demo Comments Are Found By A Reviewed Filter
    VAR    &{unreviewed}=    reviewed=only_unreviewed
    ${stream}=    Create Test Stream    unreviewed    comment_filter=${unreviewed}
    ${plain}=    Create Test Stream    everything
    ${batch}=    Fetch Batch    ${stream}    1024    max_filtered=1024
    Should Be True    ${batch}[is_end_sequence]
    Should Not Be Empty    ${batch}[results]
    FOR    ${item}    IN    @{batch}[results]
        Should Not Be True    ${item}[comment][has_annotations]
    END
    ${all}=    Fetch Batch    ${plain}    1024
    Should Be Equal As Integers    ${batch}[filtered]    ${{ len($all["results"]) - len($batch["results"]) }}
    [Teardown]    Run Keywords    Delete Test Stream    ${stream}    AND    Delete Test Stream    ${plain}

Tagging An Exception For An Unknown Comment Is A 404 Naming It
    ${stream}=    Create Test Stream    unknown-exception
    VAR    &{exception}=    uid=0000000000000000.no-such-comment    metadata=${{ {"type": "No Prediction"} }}
    ${answer}=    Call Api    PUT    ${stream}/exceptions    ${{ {"exceptions": [$exception]} }}
    ...    expected_status=404
    Should Be Equal
    ...    ${answer}[message]
    ...    404 Not Found: exceptions: comment uid '0000000000000000.no-such-comment' does not exist in dataset 'acme/retail-inbox'; nothing was tagged
    [Teardown]    Delete Test Stream    ${stream}

The Docs Page Works Offline
    ${response}=    GET    ${URL}/docs    expected_status=200
    Should Not Contain    ${response.text}    <script
    Should Not Contain    ${response.text}    https://
    Should Contain    ${response.text}    href="/openapi.json"
    ${spec}=    GET    ${URL}/openapi.json    expected_status=200
    Should Be Equal    ${spec.json()}[components][securitySchemes][bearerAuth][scheme]    bearer

Injected Rate Limits Carry Retry-After
    ${before}=    Call Api    GET    /api/_sandbox/faults
    ${stream}=    Create Test Stream    faults
    VAR    ${name}=    ${{ $stream.rsplit("/", 1)[1] }}
    Call Api    PUT    /api/_sandbox/faults    ${{ {"spec": "fetch/" + $name + ":429@1.0"} }}
    ${response}=    Send Request    POST    ${stream}/fetch    ${{ {"size": 1} }}    expected_status=429
    Should Be Equal    ${response.headers}[Retry-After]    1
    Should Be Equal    ${response.json()}[status]    error
    [Teardown]    Run Keywords    Call Api    PUT    /api/_sandbox/faults    ${{ {"spec": $before["spec"]} }}
    ...    AND    Delete Test Stream    ${stream}


*** Keywords ***
Open Sandbox Session
    [Documentation]    One session with the bearer header. RequestsLibrary logs request headers at
    ...    INFO, so the log level is NONE while the token is in play.
    ${level}=    Set Log Level    NONE
    TRY
        VAR    &{headers}=    Authorization=Bearer ${TOKEN.value}
        Create Session    sandbox    ${URL}    headers=${headers}
    FINALLY
        Set Log Level    ${level}
    END

Send Request
    [Documentation]    One HTTP call on the sandbox session, its headers kept out of the log.
    [Arguments]    ${method}    ${path}    ${body}=${None}    ${expected_status}=200    &{params}
    ${level}=    Set Log Level    NONE
    TRY
        ${response}=    Run Keyword    ${method} On Session    sandbox    ${path}    json=${body}
        ...    params=${params}    expected_status=${expected_status}
    FINALLY
        Set Log Level    ${level}
    END
    Log    ${method} ${path} -> ${response.status_code}
    RETURN    ${response}

Call Api
    [Documentation]    Send a request and return its JSON body, checking that ``status`` agrees with the code.
    [Arguments]    ${method}    ${path}    ${body}=${None}    ${expected_status}=200    &{params}
    ${response}=    Send Request    ${method}    ${path}    ${body}    ${expected_status}    &{params}
    VAR    ${payload}=    ${response.json()}
    IF    ${response.status_code} < 300
        Should Be Equal    ${payload}[status]    ok
    ELSE
        Should Be Equal    ${payload}[status]    error
        Should Start With    ${payload}[message]    ${response.status_code}
    END
    RETURN    ${payload}

Create Test Stream
    [Documentation]    A stream of this test only, with the model of ``routing`` unless thresholds are given.
    [Arguments]    ${purpose}    ${comment_filter}=${None}    ${thresholds}=${None}
    ${suffix}=    Generate Random String    8    [LOWER][NUMBERS]
    ${routing}=    Call Api    GET    ${DATASET}/streams/routing
    ${model}=    Copy Dictionary    ${routing}[stream][model]
    IF    $thresholds is not None
        Set To Dictionary    ${model}    label_thresholds=${thresholds}
    END
    VAR    &{stream}=    name=raw-${purpose}-${suffix}    model=${model}
    IF    $comment_filter is not None
        Set To Dictionary    ${stream}    comment_filter=${comment_filter}
    END
    Call Api    PUT    ${DATASET}/streams    ${{ {"stream": $stream} }}
    RETURN    ${DATASET}/streams/${stream}[name]

Delete Test Stream
    [Documentation]    Delete a stream made by `Create Test Stream`.
    [Arguments]    ${stream}
    Call Api    DELETE    ${stream}

Fetch Batch
    [Documentation]    Fetch a batch (never moves the stream) and return the JSON body.
    [Arguments]    ${stream}    ${size}    ${max_filtered}=${None}
    VAR    &{body}=    size=${{ int($size) }}
    IF    $max_filtered is not None
        Set To Dictionary    ${body}    max_filtered=${{ int($max_filtered) }}
    END
    ${batch}=    Call Api    POST    ${stream}/fetch    ${body}
    RETURN    ${batch}

Advance Stream
    [Documentation]    Advance a stream to a sequence id or continuation.
    [Arguments]    ${stream}    ${sequence_id}
    VAR    &{body}=    sequence_id=${sequence_id}
    Call Api    POST    ${stream}/advance    ${body}
