*** Settings ***
Documentation       The core keywords against the sandbox: connect, fetch, labels, entities,
...                 advance, reset, exceptions, and the failures robots must be able to read.
...
...                 Every trigger here is created by this suite with a unique name, so other
...                 suites reading the demo ``routing`` trigger are not disturbed.

Library             Collections
Library             OperatingSystem
Library             ReinferLibrary
Resource            resources/common.resource

Suite Setup         Set Up Core Suite
Suite Teardown      Tear Down Core Suite

Test Tags           core


*** Variables ***
${SUFFIX}               ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}              core-${SUFFIX}
${FILTERED}             core-filtered-${SUFFIX}
${WRONG_TOKEN: Secret}    %{REINFER_WRONG_TOKEN=not-the-sandbox-token}
${THRESHOLDS_YAML}      SEPARATOR=\n
...                     model_version: live
...                     thresholds:
...                     ${SPACE}${SPACE}Order > Missing: 0.4
...                     ${SPACE}${SPACE}\[Order, Late Delivery]: 0.35
...                     ${SPACE}${SPACE}Complaint: 0.45
...                     default: 0.5
${NOWHERE_FILTER}       {"user_properties": {"string:Country": {"one_of": ["Atlantis"]}}}


*** Test Cases ***
Connect Returns The Connection Index
    ${index}=    Connect To Reinfer    dataset=${DATASET}    alias=from-environment
    Should Be Equal As Integers    ${index}    2
    Switch Reinfer Connection    sandbox
    ${triggers}=    List Triggers
    ${names}=    Evaluate    [t.name for t in $triggers]
    List Should Contain Value    ${names}    ${TRIGGER}

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

Entities By Capture Group Keep Table Rows Together
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0013
    ${rows}=    Get Entities By Capture Group    ${item}
    Length Should Be    ${rows}    3
    ${ids}=    Evaluate    [row["capture_id"] for row in $rows]
    ${sorted}=    Evaluate    sorted($ids)
    Should Be Equal    ${ids}    ${sorted}
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

Reset Replays From The Start
    ${position}=    Reset Trigger    ${TRIGGER}    2000-01-01 00:00:00
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
    ...    Business error (not found): GET /api/v1/datasets/acme/retail-inbox/streams/no-such-trigger returned 404: *
    ...    Get Trigger    no-such-trigger
    Run Keyword And Expect Error
    ...    STARTS: Business error (not found): POST /api/v1/datasets/acme/nothing-here/streams/routing/fetch returned 404
    ...    Fetch Trigger Batch    acme/nothing-here/routing
    Connect To Reinfer    url=%{REINFER_URL}    token=${WRONG_TOKEN}    dataset=${DATASET}
    Run Keyword And Expect Error
    ...    Business error (authentication): GET /api/v1/datasets/acme/retail-inbox/streams returned 401*
    ...    List Triggers
    Switch Reinfer Connection    sandbox
    Run Keyword And Expect Error
    ...    Technical error (connection): GET /api/v1/datasets/acme/retail-inbox/streams failed*
    ...    Connect And List    http://127.0.0.1:9
    Switch Reinfer Connection    sandbox

Item Errors Say What The Comment Has
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0013
    Run Keyword And Expect Error
    ...    Business error (missing entity): comment ${item.uid} has no 'tracking_number' entity (entities found: date, monetary_quantity, order_number); tag a trigger exception or give default= to carry on.
    ...    Get Entity Value    ${item}    tracking_number
    ${none}=    Get Entity Value    ${item}    tracking_number    default=none
    Should Be Equal    ${none}    none
    Run Keyword And Expect Error
    ...    Label 'Praise' is not present on comment ${item.uid}; its labels: *
    ...    Label Should Be Present    ${item}    Praise
    Run Keyword And Expect Error
    ...    Business error (missing label property): comment ${item.uid} has no label property 'urgency' (it has: tone, quality_of_service)*
    ...    Get Label Property    ${item}    urgency

Configuration Errors Say What To Fix
    Create File    ${OUTPUT_DIR}/bad-thresholds.yaml    thresholds:\n${SPACE}${SPACE}Order > Missing: 1.5\n
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds file '${OUTPUT_DIR}${/}bad-thresholds.yaml', key thresholds['Order > Missing']: 1.5 is outside 0..1.
    ...    Load Thresholds    ${OUTPUT_DIR}/bad-thresholds.yaml
    Run Keyword And Expect Error
    ...    EQUALS:size must be from 1 to 1024, got 0.
    ...    Fetch Trigger Batch    ${TRIGGER}    size=0
    Run Keyword And Expect Error
    ...    The token was given as plain text. *
    ...    Connect To Reinfer    url=%{REINFER_URL}    token=not-a-real-token
    Run Keyword And Expect Error
    ...    *Argument 'auto' got value 'medium' that cannot be converted to *
    ...    Labels Above Threshold    ${{ {"labels": []} }}    auto=medium
    Run Keyword And Expect Error
    ...    Trigger 'routing' has label thresholds but no model version*
    ...    Create Trigger    routing    thresholds=${{ {"Order": 0.5} }}


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
