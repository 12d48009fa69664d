*** Settings ***
Documentation     The core keywords against the sandbox: connect, fetch, labels, entities,
...               advance, reset, exceptions, and the failures robots must be able to read.
...
...               Every trigger here is created by this suite with a unique name, so other
...               suites reading the demo ``routing`` trigger are not disturbed.

Library           Collections
Library           OperatingSystem
Library           ReinferLibrary
Resource          resources/common.resource

Suite Setup       Set Up Core Suite
Suite Teardown    Tear Down Core Suite

Test Tags         core


*** Variables ***
${SUFFIX}                 ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}                core-${SUFFIX}
${FILTERED}               core-filtered-${SUFFIX}
${WRONG_TOKEN: Secret}    %{REINFER_WRONG_TOKEN=not-the-sandbox-token}
${THRESHOLDS_YAML}        SEPARATOR=\n
...                       model_version: live
...                       thresholds:
...                       ${SPACE}${SPACE}Order > Missing: 0.4
...                       ${SPACE}${SPACE}\[Order, Late Delivery]: 0.35
...                       ${SPACE}${SPACE}Complaint: 0.45
...                       default: 0.5
${NOWHERE_FILTER}         {"user_properties": {"string:Country": {"one_of": ["Atlantis"]}}}
${NOT_AN_ITEM}            EQUALS:Expected an item (one of \${batch.results}, a dictionary or an Item), got str.
${CHECK_NAMES}            Check the names (project/dataset, stream, comment uid, model version) and REINFER_URL (everything before /api).
${STREAMS}                /api/v1/datasets/acme/retail-inbox/streams


*** Test Cases ***
Connect Returns The Connection Index
    ${index}=    Connect To Reinfer    dataset=${DATASET}    alias=from-environment
    Should Be Equal As Integers    ${index}    2
    Switch Reinfer Connection    sandbox
    ${triggers}=    List Triggers
    ${names}=    Evaluate    [t.name for t in $triggers]
    List Should Contain Value    ${names}    ${TRIGGER}

Switching To An Unknown Connection Names The Open Ones
    Run Keyword And Expect Error
    ...    EQUALS:No open Reinfer connection with alias or index 'nope'; open ones: sandbox, from-environment.
    ...    Switch Reinfer Connection    nope

Keywords After Closing The Connection Do Not Reconnect By Themselves
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}    alias=closing
    Close Reinfer Connection
    Run Keyword And Expect Error
    ...    EQUALS:No Reinfer connection is open: call Connect To Reinfer, or Switch Reinfer Connection to one still open (sandbox, from-environment).
    ...    List Triggers
    [Teardown]    Switch Reinfer Connection    sandbox

Created Trigger Carries The Loaded Thresholds
    ${trigger}=    Get Trigger    ${TRIGGER}
    Should Be Equal As Integers    ${trigger.model.version}    1    The live tag points at version 1.
    ${thresholds}=    Evaluate    {" > ".join(t.name): t.threshold for t in $trigger.model.label_thresholds}
    Length Should Be    ${thresholds}    ${{ len($DEMO_TAXONOMY) }}
    Should Be Equal As Numbers    ${thresholds}[Order > Missing]    0.4
    Should Be Equal As Numbers    ${thresholds}[Order > Late Delivery]    0.35
    Should Be Equal As Numbers    ${thresholds}[Praise]    0.5

A Trigger Can Be Copied From Get Trigger
    ${original}=    Get Trigger    ${TRIGGER}
    Create Trigger    copy-${SUFFIX}    ${original.model.version}    ${original.model.label_thresholds}
    TRY
        ${copy}=    Get Trigger    copy-${SUFFIX}
        Should Be Equal    ${copy.model}    ${original.model}
        ${a}=    Fetch Trigger Batch    ${TRIGGER}    size=8    log_items=${False}
        ${b}=    Fetch Trigger Batch    copy-${SUFFIX}    size=8    log_items=${False}
        FOR    ${left}    ${right}    IN ZIP    ${a.results}    ${b.results}    mode=STRICT
            Should Be Equal    ${left.labels}    ${right.labels}
        END
    FINALLY
        Delete Trigger    copy-${SUFFIX}
    END

Fetching Does Not Move The Trigger
    ${first}=    Fetch Trigger Batch    ${TRIGGER}    size=4
    ${again}=    Fetch Trigger Batch    ${TRIGGER}    size=4
    Should Be Equal    ${first.sequence_id}    ${again.sequence_id}
    Should Be Equal    ${first.results}[0][uid]    ${again.results}[0][uid]
    Length Should Be    ${first.results}    4
    Should Be Equal    ${first.results}[0][uid]    ${FIRST_UID}

A Batch Is Plain Robot Data
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=2    log_items=False
    Should Be Equal    ${batch}[results]    ${batch.results}
    VAR    ${item}=    ${batch.results}[0]
    Should Be Equal    ${item.uid}    ${item}[comment][uid]
    Should Not Be Empty    ${item.sequence_id}
    ${json}=    Evaluate    json.dumps($batch)    modules=json
    ${back}=    Evaluate    json.loads($json)    modules=json
    Should Be Equal    ${back}[results][0][uid]    ${item.uid}
    Should Be Equal As Integers    ${batch.filtered}    0

Labels Above Threshold Uses The Demo Taxonomy
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=32    thresholds=${CONFIG}
    FOR    ${item}    IN    @{batch.results}
        ${labels}=    Labels Above Threshold    ${item}    thresholds=${CONFIG}
        Labels Should Be Known And Sorted    ${item}    ${labels}
        ${leaves}=    Labels Above Threshold    ${item}    thresholds=${CONFIG}    level=leaves
        ${parents}=    Labels Above Threshold    ${item}    thresholds=${CONFIG}    level=parents
        ${both}=    Combine Lists    ${leaves}    ${parents}
        Lists Should Be Equal    ${both}    ${labels}    ignore_order=True
        FOR    ${parent}    IN    @{parents}
            Should Not Contain    ${parent}    >    Demo parents are top-level labels.
        END
    END

The Seed Comment About A Late Order
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    ${labels}=    Labels Above Threshold    ${item}    thresholds=${CONFIG}
    List Should Contain Value    ${labels}    Order > Late Delivery
    ${late}=    Has Label    ${item}    ${{ ["Order", "Late Delivery"] }}    thresholds=${CONFIG}
    Should Be True    ${late}
    Label Should Be Present    ${item}    Order > Late Delivery    threshold=0.35
    ${confidence}=    Get Label Confidence    ${item}    Order > Late Delivery
    Should Be True    0.35 <= ${confidence} <= 1
    ${absent}=    Get Label Confidence    ${item}    Praise
    Should Be Equal As Numbers    ${absent}    0
    ${tone}=    Get Label Property    ${item}    tone
    Should Be True    -10 <= ${tone} <= 10
    ${order}=    Get Entity Value    ${item}    order_number
    Should Be Equal    ${order}    ACM-104233
    ${written}=    Get Entity Text    ${item}    date
    Should Be Equal    ${written}    21/08/2025

Entities By Capture Group Keep Table Rows Together
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0013
    ${rows}=    Get Entities By Capture Group    ${item}
    Length Should Be    ${rows}    3
    ${ids}=    Evaluate    [row["capture_id"] for row in $rows]
    ${sorted}=    Evaluate    sorted($ids)
    Should Be Equal    ${ids}    ${sorted}
    Should Be Equal As Integers    ${ids}[0]    1    The demo's capture ids start at 1 (docs/guide.md says so).
    Should Be Equal    ${rows}[0][order_number]    ACM-103512
    Should Be Equal    ${rows}[0][date]    2025-08-04 00:00 UTC
    Should Be Equal    ${rows}[0][monetary_quantity]    312.40 GBP
    Should Be Equal    ${rows}[1][order_number]    ACM-103790
    Should Be Equal    ${rows}[2][order_number]    ACM-104005
    Should Be Equal    ${rows}[2][monetary_quantity]    149.99 GBP
    ${orders}=    Get Entities    ${item}    order_number
    Length Should Be    ${orders}    3

Advance Past One Item And Then The Batch
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=4    log_items=False
    Advance Trigger    ${TRIGGER}    ${batch.results}[1]
    ${next}=    Fetch Trigger Batch    ${TRIGGER}    size=4    log_items=False
    Should Be Equal    ${next.results}[0][uid]    ${batch.results}[2][uid]
    Advance Trigger    ${TRIGGER}    ${next}
    ${after}=    Fetch Trigger Batch    ${TRIGGER}    size=4    log_items=False
    ${seen}=    Evaluate    {item["uid"] for item in $batch["results"] + $next["results"]}
    Should Not Contain    ${seen}    ${after.results}[0][uid]
    Advance Trigger    ${TRIGGER}    ${after.sequence_id}

Advance Trigger Refuses What Is Not A Position Of That Trigger
    Run Keyword And Expect Error
    ...    EQUALS:Cannot advance trigger '${TRIGGER}': the sequence id is empty.
    ...    Advance Trigger    ${TRIGGER}    ${SPACE}
    Run Keyword And Expect Error
    ...    EQUALS:Cannot advance trigger '${TRIGGER}' to a int: give the batch, one of its items, or a sequence id.
    ...    Advance Trigger    ${TRIGGER}    ${42}
    Run Keyword And Expect Error
    ...    EQUALS:Cannot advance trigger '${TRIGGER}': the value has no sequence_id (give the batch from Fetch Trigger Batch, one of its items, or a sequence id).
    ...    Advance Trigger
    ...    ${TRIGGER}
    ...    ${{ {"uid": "x"} }}
    ${other}=    Fetch Trigger Batch    ${FILTERED}    size=1    max_filtered=1    log_items=False
    Run Keyword And Expect Error
    ...    EQUALS:Cannot advance trigger '${TRIGGER}' with a batch fetched from trigger '${FILTERED}': a sequence id only means something to its own trigger; advance '${FILTERED}' instead.
    ...    Advance Trigger
    ...    ${TRIGGER}
    ...    ${other}

Reset Trigger Refuses A Time It Cannot Read
    Run Keyword And Expect Error
    ...    EQUALS:Time 'not a time' is not an ISO 8601 date and time: give e.g. 2025-09-01T08:00:00+02:00, 2025-09-01T06:00:00Z, 2025-09-01 06:00:00 (UTC) or 2025-09-01.
    ...    Reset Trigger
    ...    ${TRIGGER}
    ...    not a time
    Run Keyword And Expect Error
    ...    EQUALS:Time '2025-13-45' is not a valid date and time: month must be in 1..12.
    ...    Reset Trigger    ${TRIGGER}    2025-13-45

Reset Replays From The Start
    ${position}=    Reset Trigger    ${TRIGGER}    2000-01-01 00:00:00    max_days_back=${10000}
    Should Not Be Empty    ${position}
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Should Be Equal    ${batch.results}[0][uid]    ${FIRST_UID}

Tag And Untag A Trigger Exception
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=2    log_items=False
    Tag Trigger Exception    ${TRIGGER}    ${batch.results}[0]    exception_type=No Order Number
    Tag Trigger Exception    ${TRIGGER}    ${batch.results}[1][uid]
    Untag Trigger Exception    ${TRIGGER}    ${batch.results}
    ${again}=    Fetch Trigger Batch    ${TRIGGER}    size=2    log_items=False
    Should Be Equal    ${again.sequence_id}    ${batch.sequence_id}    Tagging must not move the trigger.

Exceptions And Deletes On An Unknown Trigger Fail As Not Found
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): PUT ${STREAMS}/no-such-trigger/exceptions returned 404: 404 Not Found: stream 'no-such-trigger' does not exist in dataset 'acme/retail-inbox'. ${CHECK_NAMES}
    ...    Tag Trigger Exception
    ...    no-such-trigger
    ...    ${batch.results}[0]
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): DELETE ${STREAMS}/no-such-trigger/exceptions returned 404: 404 Not Found: stream 'no-such-trigger' does not exist in dataset 'acme/retail-inbox'. ${CHECK_NAMES}
    ...    Untag Trigger Exception
    ...    no-such-trigger
    ...    ${batch.results}[0]
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): DELETE ${STREAMS}/no-such-trigger returned 404: 404 Not Found: stream 'no-such-trigger' does not exist in dataset 'acme/retail-inbox'. ${CHECK_NAMES}
    ...    Delete Trigger
    ...    no-such-trigger
    Delete Trigger    no-such-trigger    missing_ok=True

The Results Route Gives The Same Shape With Auto Thresholds
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=8    api=results
    ${fetched}=    Fetch Trigger Batch    ${TRIGGER}    size=8    log_items=False
    ${uids}=    Evaluate    [item["uid"] for item in $batch.results]
    ${fetched_uids}=    Evaluate    [item["uid"] for item in $fetched.results]
    Should Be Equal    ${uids}    ${fetched_uids}
    FOR    ${item}    IN    @{batch.results}
        ${balanced}=    Labels Above Threshold    ${item}    auto=balanced
        ${recall}=    Labels Above Threshold    ${item}    auto=high_recall
        ${extra}=    Evaluate    set($balanced) - set($recall)
        Should Be Empty    ${extra}    High recall keeps at least what balanced keeps.
    END

A Filtered-Only Batch Is Advanced Past
    [Documentation]    No comment matches the filter: each batch has no results and
    ...    ``filtered`` > 0. Without advancing, the same batch comes back forever (the
    ...    stall); advancing with the batch gets the robot to the end.
    ${first}=    Fetch Trigger Batch    ${FILTERED}    size=16    max_filtered=50
    Should Be Empty    ${first.results}
    Should Be True    ${first.filtered} > 0
    Should Not Be True    ${first.is_end_sequence}
    ${again}=    Fetch Trigger Batch    ${FILTERED}    size=16    max_filtered=50
    Should Be Equal    ${again.sequence_id}    ${first.sequence_id}    Not advancing re-reads the same batch.
    VAR    ${batch}=    ${first}
    VAR    ${skipped}=    ${0}
    WHILE    True    limit=50
        Advance Trigger    ${FILTERED}    ${batch}
        ${skipped}=    Evaluate    ${skipped} + ${batch.filtered}
        IF    ${batch.is_end_sequence}    BREAK
        ${batch}=    Fetch Trigger Batch    ${FILTERED}    size=16    max_filtered=50
        Should Be Empty    ${batch.results}
    END
    Should Be Equal As Integers    ${skipped}    ${TOTAL}

Business And Technical Errors Read Clearly
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): GET ${STREAMS}/no-such-trigger returned 404: 404 Not Found: stream 'no-such-trigger' does not exist in dataset 'acme/retail-inbox'. ${CHECK_NAMES}
    ...    Get Trigger
    ...    no-such-trigger
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): POST /api/v1/datasets/acme/nothing-here/streams/routing/fetch returned 404: 404 Not Found: dataset 'acme/nothing-here' does not exist. ${CHECK_NAMES}
    ...    Fetch Trigger Batch
    ...    acme/nothing-here/routing
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): POST ${STREAMS}/routng/fetch returned 404: 404 Not Found: stream 'routng' does not exist in dataset 'acme/retail-inbox' (did you mean 'routing'?). ${CHECK_NAMES}
    ...    Fetch Trigger Batch
    ...    routng
    Connect To Reinfer    url=%{REINFER_URL}    token=${WRONG_TOKEN}    dataset=${DATASET}
    Run Keyword And Expect Error
    ...    EQUALS:Business error (authentication): GET ${STREAMS} returned 401: 401 Unauthorized: missing or invalid bearer token. Check the token (REINFER_TOKEN) and that its user has the permissions this call needs.
    ...    List Triggers
    Switch Reinfer Connection    sandbox
    # The middle part is the operating system's and urllib3's wording of "connection refused".
    Run Keyword And Expect Error
    ...    GLOB:Technical error (connection): GET ${STREAMS} failed: no connection to 127.0.0.1:9: * Nothing was sent: check REINFER_URL, the network, proxies and the CA bundle, then retry.
    ...    Connect And List
    ...    http://127.0.0.1:9
    Switch Reinfer Connection    sandbox

Item Keywords Refuse What Is Not An Item
    Run Keyword And Expect Error    ${NOT_AN_ITEM}    Get Entities    not an item
    Run Keyword And Expect Error    ${NOT_AN_ITEM}    Get Entities By Capture Group    not an item
    Run Keyword And Expect Error    ${NOT_AN_ITEM}    Has Label    not an item    Order
    Run Keyword And Expect Error    ${NOT_AN_ITEM}    Get Label Confidence    not an item    Order

Item Errors Say What The Comment Has
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0013
    Run Keyword And Expect Error
    ...    EQUALS:Business error (missing entity): comment ${item.uid} has no 'tracking_number' entity (entities found: date, monetary_quantity, order_number); tag a trigger exception or give default= to carry on.
    ...    Get Entity Value
    ...    ${item}
    ...    tracking_number
    ${none}=    Get Entity Value    ${item}    tracking_number    default=none
    Should Be Equal    ${none}    none
    # Exact but for the confidences, which belong to the demo model, not to the keyword.
    Run Keyword And Expect Error
    ...    GLOB:Label 'Praise' is not present on comment ${item.uid}; its labels: Billing (0.??), Billing > Invoice Query (0.??).
    ...    Label Should Be Present
    ...    ${item}
    ...    Praise
    Run Keyword And Expect Error
    ...    EQUALS:Business error (missing label property): comment ${item.uid} has no label property 'urgency' (it has: tone, quality_of_service); the dataset may not have Tone or Quality of Service enabled, or give default= to use a value instead.
    ...    Get Label Property
    ...    ${item}
    ...    urgency

Configuration Errors Say What To Fix
    Create File    ${OUTPUT_DIR}/bad-thresholds.yaml    thresholds:\n${SPACE}${SPACE}Order > Missing: 1.5\n
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds file '${OUTPUT_DIR}${/}bad-thresholds.yaml', key thresholds['Order > Missing']: must be a number from 0 to 1, got 1.5.
    ...    Load Thresholds
    ...    ${OUTPUT_DIR}/bad-thresholds.yaml
    Run Keyword And Expect Error
    ...    EQUALS:size must be from 1 to 1024, got 0.
    ...    Fetch Trigger Batch    ${TRIGGER}    size=0
    Run Keyword And Expect Error
    ...    EQUALS:The token was given as plain text. Robot Framework has already written it to output.xml and log.html with the keyword's arguments: treat it as leaked and rotate it (create a new one). Pass the new token as a Secret: put `\${TOKEN: Secret}${SPACE * 4}\%{REINFER_TOKEN}` in *** Variables *** and use token=\${TOKEN}, or leave token out to read the REINFER_TOKEN environment variable.
    ...    Connect To Reinfer
    ...    url=%{REINFER_URL}
    ...    token=not-a-real-token
    Run Keyword And Expect Error
    ...    EQUALS:ValueError: Argument 'auto' got value 'medium' that cannot be converted to 'high_recall', 'balanced' or 'high_precision' or None.
    ...    Labels Above Threshold
    ...    ${{ {"labels": []} }}
    ...    auto=medium
    Run Keyword And Expect Error
    ...    EQUALS:Trigger 'routing' has label thresholds but no model version: give model_version= (a number, live or staging) or put model_version in the thresholds file.
    ...    Create Trigger
    ...    routing
    ...    thresholds=${{ {"Order": 0.5} }}


*** Keywords ***
Set Up Core Suite
    [Documentation]    Two triggers of this run (one reading everything with the thresholds
    ...    file, one whose filter matches nothing), and the whole demo stream read once.
    Connect To The Sandbox
    Create File    ${OUTPUT_DIR}/core-thresholds.yaml    ${THRESHOLDS_YAML}
    ${config}=    Load Thresholds    ${OUTPUT_DIR}/core-thresholds.yaml
    # Read once here, used by many tests.
    VAR    ${CONFIG}=    ${config}    scope=SUITE    # robocop: off=VAR05
    Create Trigger    ${TRIGGER}    thresholds=${CONFIG}    title=Core keywords acceptance
    ${filter}=    Evaluate    json.loads($NOWHERE_FILTER)    modules=json
    Create Trigger    ${FILTERED}    model_version=1    default=0.5    comment_filter=${filter}
    ${everything}=    Fetch Everything    ${TRIGGER}
    VAR    ${EVERYTHING}=    ${everything}    scope=SUITE    # robocop: off=VAR05
    VAR    ${FIRST_UID}=    ${everything.results}[0][uid]    scope=SUITE    # robocop: off=VAR05
    ${total}=    Get Length    ${everything.results}
    VAR    ${TOTAL}=    ${total}    scope=SUITE    # robocop: off=VAR05

Tear Down Core Suite
    [Documentation]    Delete this run's triggers and close every connection.
    Switch Reinfer Connection    sandbox
    Delete Triggers    ${TRIGGER}    ${FILTERED}
    Close All Reinfer Connections

Labels Should Be Known And Sorted
    [Documentation]    Every name is a demo label, and confidences never rise along the list.
    [Arguments]    ${item}    ${labels}
    VAR    ${previous}=    ${1.0}
    FOR    ${label}    IN    @{labels}
        List Should Contain Value    ${DEMO_TAXONOMY}    ${label}
        ${confidence}=    Get Label Confidence    ${item}    ${label}
        Should Be True    ${confidence} <= ${previous}
        VAR    ${previous}=    ${confidence}
    END

Connect And List
    [Documentation]    A connection to a port nobody listens on, with no retries.
    [Arguments]    ${url}
    Connect To Reinfer    url=${url}    token=${TOKEN}    dataset=${DATASET}    retries=0
    ...    connect_timeout=2 s
    List Triggers
