*** Settings ***
Documentation     Sentiment against the sandbox: the demo's ``acme/retail-sentiment`` (the inbox with
...               sentiment enabled) gives each label of a fetched or predicted comment a sentiment,
...               read with Get Label Sentiment; a dataset without sentiment, the ``/results`` route
...               and a label the comment does not carry each fail with a line to act on.
...
...               Comments come from triggers this suite creates (on ``acme/retail-sentiment``, and
...               one on ``acme/retail-inbox``) and deletes; no shared trigger is read or moved.

Library           Collections
Library           ReinferLibrary

Suite Setup       Set Up Sentiment Suite
Suite Teardown    Tear Down Sentiment Suite

Test Tags         sentiment


*** Variables ***
${TOKEN: Secret}    %{REINFER_TOKEN}
${DATASET}          acme/retail-sentiment
${SUFFIX}           ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}          sentiment-${SUFFIX}
${PLAIN_TRIGGER}    acme/retail-inbox/sentiment-plain-${SUFFIX}
${MIXED}            Thanks for the quick refund, brilliant. But order ACM-104233 arrived damaged, awful.
${NO_SENTIMENT}     No sentiment for label 'Order' on comment
${RAW_EMAIL}        SEPARATOR=\n
...                 From: Dev Patel <dev.patel@example.net>
...                 To: customerservice@acme-retail.example
...                 Subject: Charged twice, again
...                 Date: Tue, 02 Sep 2025 09:15:00 +0000
...                 ${EMPTY}
...                 I was charged twice for order ACM-104250. This is unacceptable and I am furious.


*** Test Cases ***
Every Fetched Label Has A Sentiment Between -1 And 1
    VAR    ${counted}=    ${0}
    FOR    ${item}    IN    @{BATCH.results}
        FOR    ${label}    IN    @{item.labels}
            ${sentiment}=    Get Label Sentiment    ${item}    ${label.name}
            Should Be True    -1 <= ${sentiment} <= 1
            Should Be Equal As Numbers    ${sentiment}    ${label.sentiment}
            VAR    ${counted}=    ${counted + 1}
        END
    END
    Should Be True    ${counted} > 10    Only ${counted} labels were read: the trigger returned too few.

An Angry Complaint Is Negative
    ${item}=    Item Of Comment    a0001
    Label Should Be Present    ${item}    Complaint
    ${mood}=    Get Label Sentiment    ${item}    Complaint
    Should Be True    ${mood} < -0.3    a0001 is an angry email; its Complaint sentiment is ${mood}.

Labels Of One Prediction Can Differ And The Comment Has A Total
    ${item}=    Predict Text    ${MIXED}    threshold=0
    ${refund}=    Get Label Sentiment    ${item}    Refund
    ${damaged}=    Get Label Sentiment    ${item}    [Order, Damaged]
    Should Be True    ${refund} > 0 > ${damaged}    Refund ${refund}, Order > Damaged ${damaged}.
    Should Be True    -1 <= ${item.sentiment} <= 1

A Predicted Raw Email Carries Sentiment Too
    ${emails}=    Predict Emails    ${RAW_EMAIL}    threshold=0
    ${complaint}=    Get Label Sentiment    ${emails}[0]    Complaint
    Should Be True    ${complaint} < 0    An angry email's Complaint sentiment is ${complaint}.
    Should Be True    -1 <= ${emails}[0][sentiment] <= 1

Predicted Stored Comments Carry The Same Sentiment As Fetched Ones
    ${items}=    Predict Comments    ${BATCH}    model_version=1    threshold=0.3
    FOR    ${predicted}    ${fetched}    IN ZIP    ${items}    ${BATCH.results}
        FOR    ${label}    IN    @{fetched.labels}
            ${now}=    Get Label Sentiment    ${predicted}    ${label.name}
            ${then}=    Get Label Sentiment    ${fetched}    ${label.name}
            Should Be Equal As Numbers    ${now}    ${then}
        END
        Should Be True    -1 <= ${predicted.sentiment} <= 1
    END

A Label The Comment Does Not Carry Gives The Default Or A Business Error
    ${item}=    Item Of Comment    a0001
    FOR    ${absent}    IN    Praise    General Enquiry    Account > Close Account
        ${carried}=    Has Label    ${item}    ${absent}
        IF    not ${carried}    BREAK
    END
    Should Not Be True    ${carried}    a0001 carries every label this test could ask about.
    ${neutral}=    Get Label Sentiment    ${item}    ${absent}    default=0
    Should Be Equal As Numbers    ${neutral}    0
    Run Keyword And Expect Error
    ...    STARTS:Business error (missing label): comment ${item.uid} does not carry label '${absent}'
    ...    Get Label Sentiment    ${item}    ${absent}

A Dataset Without Sentiment Is A Configuration Error Even With A Default
    ${item}=    Predict Text    ${MIXED}    threshold=0    dataset=acme/retail-inbox
    Run Keyword And Expect Error
    ...    GLOB:${NO_SENTIMENT} ${item.uid}: its labels carry none, so the dataset was not created with sentiment enabled*
    ...    Get Label Sentiment
    ...    ${item}
    ...    Order
    ...    default=0

A Fetched Item Of A Dataset Without Sentiment Names Its Dataset
    ${batch}=    Fetch Trigger Batch    ${PLAIN_TRIGGER}    size=4    log_items=False
    FOR    ${item}    IN    @{batch.results}
        FOR    ${label}    IN    @{item.labels}
            Should Be Equal    ${label.sentiment}    ${None}    A dataset without sentiment sent one.
        END
    END
    Run Keyword And Expect Error
    ...    GLOB:No sentiment for label 'Complaint' on comment *: its labels carry none, so dataset acme/retail-inbox was not created with sentiment enabled*
    ...    Get Label Sentiment
    ...    ${batch.results}[0]
    ...    Complaint
    ...    default=0

The Results Route Has No Sentiment
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=2    api=results    log_items=False
    Run Keyword And Expect Error
    ...    GLOB:${NO_SENTIMENT} *: items of Fetch Trigger Batch with api=results carry no sentiment*
    ...    Get Label Sentiment    ${batch.results}[0]    Order    default=0


*** Keywords ***
Set Up Sentiment Suite
    [Documentation]    Connect to the sentiment dataset and read the first comments through a
    ...    trigger of this suite (never advanced: reading moves nothing).
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}
    Create Trigger    ${TRIGGER}    model_version=1    default=0.3    title=Sentiment acceptance
    Create Trigger    ${PLAIN_TRIGGER}    model_version=1    default=0.3    title=Sentiment acceptance
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=12    log_items=False
    Length Should Be    ${batch.results}    12
    VAR    ${BATCH}=    ${batch}    scope=SUITE    # robocop: off=VAR05

Tear Down Sentiment Suite
    [Documentation]    Delete this suite's trigger and close the connection.
    Delete Trigger    ${TRIGGER}    missing_ok=True
    Delete Trigger    ${PLAIN_TRIGGER}    missing_ok=True
    Close All Reinfer Connections

Item Of Comment
    [Documentation]    The item of a demo comment id in the suite's batch; fails when absent.
    [Arguments]    ${comment_id}
    FOR    ${item}    IN    @{BATCH.results}
        IF    '${item.comment.id}' == '${comment_id}'    RETURN    ${item}
    END
    Fail    Comment ${comment_id} is not in the first ${BATCH.results.__len__()} comments.
