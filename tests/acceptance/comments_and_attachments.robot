*** Settings ***
Documentation     Comments in a source (sync, get, delete), attachments downloaded and checked, and
...               a trigger changed in place, against the sandbox.
...
...               Comments are synced into a source of this suite's own, so suites running in
...               parallel never see them; the demo comments are only read.

Library           OperatingSystem
Library           ReinferLibrary
Resource          resources/common.resource

Suite Setup       Set Up Comments Suite
Suite Teardown    Tear Down Comments Suite

Test Tags         comments


*** Variables ***
${SUFFIX}     ${{ uuid.uuid4().hex[:8] }}
${SOURCE}     acme/seeded-${SUFFIX}
${TRIGGER}    comments-${SUFFIX}
${WORK}       %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/comments_${SUFFIX}


*** Test Cases ***
Seed A Source Before A Business-Process Test
    [Documentation]    Sync is an upsert by id: the same comments sent twice are created once.
    ${comments}=    Two Test Comments
    ${first}=    Sync Comments    ${comments}    source=${SOURCE}    batch_size=1
    Should Be Equal As Integers    ${first.new}    2
    Should Be Equal As Integers    ${first.batches}    2
    ${again}=    Sync Comments    ${comments}    source=${SOURCE}
    Should Be Equal As Integers    ${again.new}    0
    Should Be Equal As Integers    ${again.unchanged}    2
    ${comment}=    Get Comment    case-1    source=${SOURCE}
    Should Be Equal    ${comment.messages}[0][body][text]    My order ACM-104233 never arrived.
    Should Be Equal    ${comment.user_properties}[string:Case]    1

Delete Comments Removes Them And Can Run Twice
    ${comments}=    Two Test Comments
    Sync Comments    ${comments}    source=${SOURCE}
    ${count}=    Delete Comments    ${{ ["case-1", "case-2"] }}    source=${SOURCE}
    Should Be Equal As Integers    ${count}    2
    Run Keyword And Expect Error    Business error (not found): GET *
    ...    Get Comment    case-1    source=${SOURCE}
    Delete Comments    case-1    source=${SOURCE}

Download An Invoice Attached To A Demo Email
    [Documentation]    The demo comment a0044 carries an invoice PDF: its bytes arrive, are checked
    ...    against the comment's size, hash and type, and land in the folder under their own name.
    ${comment}=    Get Comment    a0044    source=${DATASET}
    ${file}=    Download Attachment    ${comment}    ${WORK}
    Should Be Equal    ${file}    ${{ pathlib.Path($WORK) / "invoice-ACM-104699.pdf" }}
    ${size}=    Get File Size    ${file}
    Should Be Equal As Integers    ${size}    ${comment.attachments}[0][size]
    ${head}=    Evaluate    pathlib.Path($file).read_bytes()[:5]
    Should Be Equal    ${head}    ${{ b"%PDF-" }}
    Run Keyword And Expect Error    *exists; give overwrite=True to replace it.
    ...    Download Attachment    ${comment}    ${file}
    Download Attachment    ${comment}    ${file}    overwrite=True

A Fetched Item's Photo Downloads By Name
    ${batch}=    Fetch Everything    ${TRIGGER}
    ${item}=    Find Item By Comment Id    ${batch}    a0004
    ${file}=    Download Attachment    ${item}    ${WORK}/photo.png    name=damaged-mugs.png
    ${head}=    Evaluate    pathlib.Path($file).read_bytes()[:4]
    Should Be Equal    ${head}    ${{ bytes([0x89]) + b"PNG" }}

Asking For An Attachment A Comment Does Not Have Fails Clearly
    ${comment}=    Get Comment    a0044    source=${DATASET}
    Run Keyword And Expect Error
    ...    Business error (no attachment): comment 'a0044' has no attachment 'photo.png'; it has 'invoice-ACM-104699.pdf'.
    ...    Download Attachment
    ...    ${comment}
    ...    ${WORK}
    ...    name=photo.png
    ${plain}=    Get Comment    a0001    source=${DATASET}
    Run Keyword And Expect Error    Business error (no attachment): comment 'a0001' has no attachments.
    ...    Download Attachment    ${plain}    ${WORK}

Update Trigger Changes Thresholds And Keeps The Version
    ${before}=    Get Trigger    ${TRIGGER}
    ${updated}=    Update Trigger    ${TRIGGER}    thresholds=${{ {"Order > Missing": 0.7} }}
    ...    title=Changed by the suite
    Should Be Equal    ${updated.title}    Changed by the suite
    Should Be Equal As Integers    ${updated.model.version}    ${before.model.version}
    ${names}=    Evaluate    [" > ".join(entry["name"]) for entry in $updated.model.label_thresholds]
    Should Be Equal    ${names}    ${{ ["Order > Missing"] }}
    ${again}=    Get Trigger    ${TRIGGER}
    Should Be Equal    ${again.title}    Changed by the suite

Update Trigger Without A Model Keeps The Thresholds
    Update Trigger    ${TRIGGER}    thresholds=${{ {"Order > Missing": 0.6, "Complaint": 0.5} }}
    ${updated}=    Update Trigger    ${TRIGGER}    description=Only the description changes
    Length Should Be    ${updated.model.label_thresholds}    2
    Should Be Equal    ${updated.description}    Only the description changes


*** Keywords ***
Set Up Comments Suite
    [Documentation]    Connect, create this suite's own source (raw API: the library has no keyword for sources) and trigger.
    Connect To The Sandbox
    Create Directory    ${WORK}
    VAR    &{definition}=    title=Seeded by the comments suite
    VAR    &{body}=    source=${definition}
    VAR    ${url}=    %{REINFER_URL}/api/v1/sources/${SOURCE}
    ${response}=    Evaluate
    ...    requests.put($url, json=$body, headers={"Authorization": "Bearer " + $TOKEN.value}, timeout=60)
    ...    modules=requests
    Should Be Equal As Integers    ${response.status_code}    200    ${response.text}
    Create Trigger    ${TRIGGER}    model_version=live    default=0.5

Tear Down Comments Suite
    [Documentation]    Remove this suite's trigger and close the connection.
    Delete Trigger    ${TRIGGER}    missing_ok=True
    Close All Reinfer Connections

Two Test Comments
    [Documentation]    Two comments in the API's shape, ids ``case-1`` and ``case-2``.
    VAR    @{texts}=    My order ACM-104233 never arrived.    Please send a copy invoice.
    ${comments}=    Evaluate
    ...    [{"id": f"case-{n}", "timestamp": "2026-01-05T09:00:00Z", "user_properties": {"string:Case": str(n)}, "messages": [{"body": {"text": text}}]} for n, text in enumerate($texts, start=1)]
    RETURN    ${comments}
