*** Settings ***
Documentation     Trigger keywords and error messages against the sandbox: resets that keep their
...               time zone, advances and exception tags refused before any call, connections that
...               are not reopened behind the robot's back, and advice that fits the failed call.
...
...               Every trigger here is created by this suite with a unique name. Faults are
...               switched on only inside the test that needs them, and restored afterwards.

Library           Collections
Library           ReinferLibrary
Resource          resources/common.resource

Suite Setup       Set Up Suite
Suite Teardown    Tear Down Suite

Test Tags         core    triggers-errors


*** Variables ***
${SUFFIX}         ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}        te-${SUFFIX}
${OTHER}          te-other-${SUFFIX}
${UK_ONLY}        te-uk-${SUFFIX}
${URL}            %{REINFER_URL}
# The demo comments were uploaded long ago: replaying them is meant here.
${REPLAY_DAYS}    ${100000}


*** Test Cases ***
Reset With A UTC Offset Lands On The Comment Uploaded At That Instant
    [Documentation]    ``+02:00`` is kept: the trigger restarts at the comment whose ``created_at``
    ...    is that instant in UTC (not two hours later, not 0.02 s later).
    VAR    ${target}=    ${EVERYTHING.results}[2]
    VAR    ${before}=    ${EVERYTHING.results}[1]
    Should Be True    $before.comment.created_at < $target.comment.created_at
    ${paris}=    In Time Zone    ${target.comment.created_at}    +02:00
    Should End With    ${paris}    +02:00
    Reset Trigger    ${TRIGGER}    ${paris}    max_days_back=${REPLAY_DAYS}
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Should Be Equal    ${batch.results}[0][uid]    ${target.uid}

Reset To A Moment Just After A Comment Skips It
    [Documentation]    ``Z`` and ``-05:00`` are read too; one microsecond after a comment's upload
    ...    time, the trigger starts at the next comment.
    VAR    ${target}=    ${EVERYTHING.results}[3]
    VAR    ${next}=    ${EVERYTHING.results}[4]
    ${just_after}=    Evaluate
    ...    (datetime.datetime.fromisoformat($target.comment.created_at.replace("Z", "+00:00")) + datetime.timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ...    modules=datetime
    Reset Trigger    ${TRIGGER}    ${just_after}    max_days_back=${REPLAY_DAYS}
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Should Be Equal    ${batch.results}[0][uid]    ${next.uid}
    ${new_york}=    In Time Zone    ${target.comment.created_at}    -05:00
    Reset Trigger    ${TRIGGER}    ${new_york}    max_days_back=${REPLAY_DAYS}
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Should Be Equal    ${batch.results}[0][uid]    ${target.uid}

Reset Refuses A Time It Cannot Read
    Run Keyword And Expect Error
    ...    EQUALS:Time 'yesterday' is not an ISO 8601 date and time: give e.g. 2025-09-01T08:00:00+02:00, 2025-09-01T06:00:00Z, 2025-09-01 06:00:00 (UTC) or 2025-09-01.
    ...    Reset Trigger
    ...    ${TRIGGER}
    ...    yesterday

Advance Refuses A Batch Of Another Trigger
    ${batch}=    Fetch Trigger Batch    ${OTHER}    size=2    log_items=False
    Should Be Equal    ${batch.stream}    ${OTHER}
    ${position}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Run Keyword And Expect Error
    ...    EQUALS:Cannot advance trigger '${TRIGGER}' with a batch fetched from trigger '${OTHER}': a sequence id only means something to its own trigger; advance '${OTHER}' instead.
    ...    Advance Trigger
    ...    ${TRIGGER}
    ...    ${batch}
    ${again}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Should Be Equal    ${again.sequence_id}    ${position.sequence_id}    The refused advance moved nothing.

Tagging An Empty List Is Refused
    Run Keyword And Expect Error
    ...    Tag Trigger Exception got an empty list, so there is nothing to do: give an item*
    ...    Tag Trigger Exception    ${TRIGGER}    ${{ [] }}
    Run Keyword And Expect Error
    ...    Untag Trigger Exception got an empty list*
    ...    Untag Trigger Exception    ${TRIGGER}    ${{ [] }}

A URL Ending In Api Is Refused At Connect
    Run Keyword And Expect Error
    ...    Reinfer URL '%{REINFER_URL}/api/v1' ends with /api/v1: remove it, the URL is everything before /api*
    ...    Connect To Reinfer    url=%{REINFER_URL}/api/v1    token=${TOKEN}    dataset=${DATASET}
    Run Keyword And Expect Error
    ...    Reinfer URL '%{REINFER_URL}/api/' ends with /api: remove it*
    ...    Connect To Reinfer    url=%{REINFER_URL}/api/    token=${TOKEN}    dataset=${DATASET}

A Closed Connection Is Not Reopened From The Environment
    [Documentation]    REINFER_URL is set, but once the robot has opened and closed a connection,
    ...    keywords ask for a new one rather than silently using the environment's tenant.
    Connect To Reinfer    dataset=${DATASET}    alias=short-lived
    List Triggers
    Close Reinfer Connection
    Run Keyword And Expect Error
    ...    No Reinfer connection is open: call Connect To Reinfer, or Switch Reinfer Connection to one still open (*sandbox*).
    ...    List Triggers
    Switch Reinfer Connection    sandbox
    List Triggers

Advice Fits The Failed Call
    [Documentation]    A fetch is safe to repeat; a reset may have taken effect and must be checked
    ...    first. Neither is told that fetch never moves a stream.
    ${previous}=    Sandbox Faults
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}    alias=once    retries=0
    Set Sandbox Fault Spec    fetch/${TRIGGER}:503,reset/${TRIGGER}:503
    TRY
        Run Keyword And Expect Error
        ...    Technical error (server): POST /api/v1/datasets/acme/retail-inbox/streams/${TRIGGER}/fetch returned 503: *. The platform failed; this call is safe to repeat, so retry later.
        ...    Fetch Trigger Batch
        ...    ${TRIGGER}
        ${error}=    Run Keyword And Expect Error
        ...    Technical error (server): POST /api/v1/datasets/acme/retail-inbox/streams/${TRIGGER}/reset returned 503: *
        ...    Reset Trigger
        ...    ${TRIGGER}
        ...    2025-09-01T08:00:00+02:00
        ...    max_days_back=${REPLAY_DAYS}
        Should Contain    ${error}    this call changes data and may have taken effect, so check the result
        Should Not Contain    ${error}    fetch never moves
    FINALLY
        Set Sandbox Fault Spec    ${previous}
        Switch Reinfer Connection    sandbox
    END

A Retry-After Longer Than The Cap Fails At Once
    ${previous}=    Sandbox Faults
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}    alias=impatient
    ...    max_retry_after=0.5 s
    Set Sandbox Fault Spec    fetch/${TRIGGER}:429
    TRY
        Run Keyword And Expect Error
        ...    Technical error (rate limited): POST */fetch returned 429: *; the server asked to wait 1 s before retrying, more than max_retry_after (0.5 s). Retry after that wait, or raise max_retry_after= (Connect To Reinfer) to let the library wait.
        ...    Fetch Trigger Batch
        ...    ${TRIGGER}
    FINALLY
        Set Sandbox Fault Spec    ${previous}
        Switch Reinfer Connection    sandbox
    END

The Capture Group Example Works On Rows Without An Order Number
    [Documentation]    Demo comment a0020 has table rows with an amount only: the documented
    ...    loop must skip them, not fail on ``${row.order_number}``. Capture ids start at 1.
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0020
    ${rows}=    Get Entities By Capture Group    ${item}
    Should Not Be Empty    ${rows}
    Should Be Equal As Integers    ${rows}[0][capture_id]    1
    VAR    @{orders}=    @{EMPTY}
    FOR    ${row}    IN    @{rows}
        IF    'order_number' not in $row    CONTINUE
        Append To List    ${orders}    ${row.order_number}
        Log    Order ${row.order_number} costs ${row.get('monetary_quantity')}
    END
    Should Be Empty    ${orders}
    ${amounts}=    Evaluate    [row.get('monetary_quantity') for row in $rows]
    Should Not Contain    ${amounts}    ${None}

The Create Trigger Filter Example Works
    [Documentation]    The comment filter exactly as `Create Trigger` documents it.
    VAR    &{uk}=    user_properties=${{ {"string:Country": {"one_of": ["UK"]}} }}
    Create Trigger    ${UK_ONLY}    model_version=live    default=0.5    comment_filter=${uk}
    ${trigger}=    Get Trigger    ${UK_ONLY}
    Should Be Equal    ${trigger.comment_filter}    ${uk}
    ${batch}=    Fetch Trigger Batch    ${UK_ONLY}    size=32    log_items=False
    Should Not Be Empty    ${batch.results}
    FOR    ${item}    IN    @{batch.results}
        Should Be Equal    ${item.comment.user_properties}[string:Country]    UK
    END


*** Keywords ***
Set Up Suite
    [Documentation]    Two triggers of this run, and the whole demo stream read once.
    Connect To The Sandbox
    Create Trigger    ${TRIGGER}    model_version=1    default=0.5    title=Triggers and errors acceptance
    Create Trigger    ${OTHER}    model_version=1    default=0.5
    ${everything}=    Fetch Everything    ${TRIGGER}
    # Read once here, used by several tests.
    VAR    ${EVERYTHING}=    ${everything}    scope=SUITE    # robocop: off=VAR05

Tear Down Suite
    [Documentation]    Delete this run's triggers and close every connection.
    Switch Reinfer Connection    sandbox
    Delete Triggers    ${TRIGGER}    ${OTHER}    ${UK_ONLY}
    Close All Reinfer Connections

In Time Zone
    [Documentation]    An API time (``...Z``) written as ISO 8601 with the given UTC offset.
    [Arguments]    ${created_at}    ${offset}
    ${text}=    Evaluate
    ...    datetime.datetime.fromisoformat($created_at.replace("Z", "+00:00")).astimezone(datetime.datetime.strptime($offset, "%z").tzinfo).isoformat()
    ...    modules=datetime
    RETURN    ${text}

Sandbox Faults
    [Documentation]    The fault spec in force now (to restore it afterwards).
    ${spec}=    Evaluate
    ...    requests.get($URL + "/api/_sandbox/faults", headers={"Authorization": "Bearer " + $TOKEN.value}, timeout=10).json()["spec"]
    ...    modules=requests
    RETURN    ${spec}

Set Sandbox Fault Spec
    [Documentation]    Replace the sandbox's fault spec (empty: off). The token stays inside the
    ...    expression, which the log shows as written, never evaluated.
    [Arguments]    ${spec}
    ${status}=    Evaluate
    ...    requests.put($URL + "/api/_sandbox/faults", json={"spec": $spec}, headers={"Authorization": "Bearer " + $TOKEN.value}, timeout=10).status_code
    ...    modules=requests
    Should Be Equal As Integers    ${status}    200
