*** Settings ***
Documentation     The sandbox's own Robot keywords (ReinferLibrary.sandbox.SandboxLibrary) on a
...               sandbox of this suite: its own data folder under the output folder, so
...               training a model or restarting never disturbs the sandbox the acceptance
...               runner shares with the other suites. The tests build on each other, in order:
...               start, URL and token, faults, training, restart, stop.

Library           OperatingSystem
Library           ReinferLibrary
Library           ReinferLibrary.sandbox.SandboxLibrary

Suite Setup       Start Sandbox Of This Suite
Suite Teardown    Stop Sandbox Of This Suite

Test Tags         sandbox-library


*** Variables ***
${DATASET}                 acme/retail-inbox
${SUFFIX}                  ${{ uuid.uuid4().hex[:8] }}
${DATA}                    %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/sandbox_library_${SUFFIX}
${TRIGGER}                 sandbox-library-${SUFFIX}
# The shared sandbox's, read before this suite's sandbox replaces them in the environment.
${SHARED_URL}              %{REINFER_URL}
${SHARED_TOKEN: Secret}    %{REINFER_TOKEN}


*** Test Cases ***
Start Reinfer Sandbox Serves From Its Own Data Folder And Sets The Environment
    ${url}=    Get Sandbox Url
    Should Match Regexp    ${url}    ^http://127\\.0\\.0\\.1:\\d+$
    Should Not Be Equal    ${url}    ${SHARED_URL}
    Should Be Equal    %{REINFER_URL}    ${url}
    File Should Exist    ${DATA}/sandbox.sqlite3

Get Sandbox Token Gives A Secret The Sandbox Accepts
    ${token}=    Get Sandbox Token
    Should Be True    isinstance($token, robot.api.types.Secret)
    Should Be True    $token.value == os.environ["REINFER_TOKEN"]    The environment holds another token.
    ${url}=    Get Sandbox Url
    Connect To Reinfer    url=${url}    token=${token}    dataset=${DATASET}    alias=own
    ${triggers}=    List Triggers
    Should Be Equal    ${{ [trigger.name for trigger in $triggers] }}    ${{ ["routing"] }}

Set Sandbox Faults Makes Calls Fail Until Switched Off
    Set Sandbox Faults    fetch:404@1.0
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): POST /api/v1/datasets/acme/retail-inbox/streams/routing/fetch returned 404: 404 Not Found: injected by the sandbox fault 'fetch:404@1.0'. Check the names (project/dataset, stream, comment uid, model version) and REINFER_URL (everything before /api).
    ...    Fetch Trigger Batch
    ...    routing
    ...    size=1
    ...    log_items=False
    Set Sandbox Faults
    ${batch}=    Fetch Trigger Batch    routing    size=1    log_items=False
    Length Should Be    ${batch.results}    1
    Run Keyword And Expect Error
    ...    EQUALS:Sandbox PUT /faults failed: 400 Bad Request: spec: fault 'fetch:teapot': kind 'teapot' is not 429, 429-noretry, a 4xx/5xx code, slow=<time> or drop
    ...    Set Sandbox Faults
    ...    fetch:teapot
    [Teardown]    Set Sandbox Faults

Train Sandbox Model Pins A New Version Under The Staging Tag
    ${before}=    Get Model Tags
    Should Be Equal    ${before}    ${{ {"live": 1, "staging": 2} }}
    ${version}=    Train Sandbox Model    tags=${{ ["staging"] }}
    Should Be Equal As Integers    ${version}    3
    ${after}=    Get Model Tags
    Should Be Equal    ${after}    ${{ {"live": 1, "staging": 3} }}
    ${item}=    Predict Text    My parcel never arrived    model_version=staging
    Should Be Equal As Integers    ${item.model.version}    3

Restart Reinfer Sandbox Keeps A Stream's Position
    Create Trigger    ${TRIGGER}    model_version=1    default=0.5
    ${first}=    Fetch Trigger Batch    ${TRIGGER}    size=5    log_items=False
    Advance Trigger    ${TRIGGER}    ${first}
    ${next}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    ${url}=    Get Sandbox Url
    ${restarted}=    Restart Reinfer Sandbox
    Should Be Equal    ${restarted}    ${url}    The sandbox came back on another port.
    ${after}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    Should Be Equal    ${after.results[0].uid}    ${next.results[0].uid}
    Should Not Be Equal    ${after.results[0].uid}    ${first.results[0].uid}

Stop Reinfer Sandbox Restores The Environment And Keeps A Given Data Folder
    Close All Reinfer Connections
    Stop Reinfer Sandbox
    Should Be Equal    %{REINFER_URL}    ${SHARED_URL}
    Should Be True    os.environ["REINFER_TOKEN"] == $SHARED_TOKEN.value    REINFER_TOKEN was not restored.
    File Should Exist    ${DATA}/sandbox.sqlite3
    Run Keyword And Expect Error
    ...    EQUALS:No sandbox is running: call Start Reinfer Sandbox first.
    ...    Get Sandbox Url


*** Keywords ***
Start Sandbox Of This Suite
    [Documentation]    A sandbox with the demo tenant in ``${DATA}``; it sets REINFER_URL and REINFER_TOKEN.
    Create Directory    ${DATA}
    Start Reinfer Sandbox    data_dir=${DATA}

Stop Sandbox Of This Suite
    [Documentation]    Stop it (a no-op when a test already did) and close the connections to it.
    Close All Reinfer Connections
    Stop Reinfer Sandbox
