*** Settings ***
Documentation     Elasticsearch trained-model inference against the sandbox.
...
...               The sandbox serves, at the same base URL as the Communications Mining API,
...               the dataset's pinned model versions as text classification models
...               (``retail-inbox-v1``, ...) and its entity extractor as the ner model
...               ``retail-inbox-ner``, and ``sandbox-zero-shot`` scores the labels a request
...               names against the text (wording and tone, no training). The answers are items, so the label and entity keywords
...               work on them unchanged: a robot routes an Elasticsearch answer exactly as it
...               routes a prediction of the same model version.

Library           Collections
Library           ReinferLibrary

Suite Setup       Connect Both Ways
Suite Teardown    Close All Elasticsearch Connections

Test Tags         elasticsearch


*** Variables ***
${TOKEN: Secret}        %{REINFER_TOKEN}
${WRONG_KEY: Secret}    %{ES_WRONG_KEY=not-the-sandbox-token}
${CLASSIFIER}           retail-inbox-v1
${NER}                  retail-inbox-ner
${ZERO_SHOT}            sandbox-zero-shot
@{CHOICES}              missing parcel    refund request    happy customer
${MISSING}              Hi, my order ACM-482913 never arrived. It is two weeks late and the parcel is missing.
${THANKS}               Thank you so much, the delivery was quick and the support team was lovely!
${DATASET}              acme/retail-inbox
&{ROUTING}
...                     Order=${0.3}    Order > Missing=${0.5}    Complaint=${0.45}
...                     Billing > Double Charge=${0.5}    Praise=${0.6}


*** Test Cases ***
Get Trained Model Describes The Classification Model
    ${model}=    Get Trained Model    ${CLASSIFIER}
    Should Be Equal    ${model.model_id}    ${CLASSIFIER}
    Should Be Equal    ${model.task}    text_classification
    List Should Contain Value    ${model.labels}    Order > Missing
    List Should Contain Value    ${model.input_fields}    text_field

Get Trained Model Describes The NER Model
    ${model}=    Get Trained Model    ${NER}
    Should Be Equal    ${model.task}    ner

Classification Answers Work With Labels Above Threshold
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    num_top_classes=-1
    Should Be Equal    ${item.origin}    elasticsearch
    Should Be Equal    ${item.uid}    es:${CLASSIFIER}:0
    Should Be Equal    ${item.comment.messages}[0][body][text]    ${MISSING}
    ${model}=    Get Trained Model    ${CLASSIFIER}
    Length Should Be    ${item.labels}    ${{len($model.labels)}}
    ${labels}=    Labels Above Threshold    ${item}    default=0.3
    List Should Contain Value    ${labels}    Order
    FOR    ${name}    IN    @{labels}
        List Should Contain Value    ${model.labels}    ${name}
    END

Default Answer Carries Every Label With Its Probability
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    timeout=20s
    ${model}=    Get Trained Model    ${CLASSIFIER}
    Length Should Be    ${item.labels}    ${{len($model.labels)}}
    Should Be Equal    ${item.labels}[0][name]    ${item.predicted_value}
    Should Be Equal    ${item.labels}[0][probability]    ${item.prediction_probability}

Num Top Classes Zero Is The Elasticsearch Default: The Predicted Class Alone
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    num_top_classes=0
    Length Should Be    ${item.labels}    1
    Should Be Equal    ${item.labels}[0][name]    ${item.predicted_value}
    Should Be Equal    ${item.labels}[0][probability]    ${item.prediction_probability}

Live, A Version Number And The Elasticsearch Model Route The Same
    [Documentation]    The same question to the live model, to its version number and to the
    ...    Elasticsearch model of that version, routed by the same keyword and thresholds.
    ${live}=    Predict Text    ${MISSING}    model_version=live    threshold=0
    ${one}=    Predict Text    ${MISSING}    model_version=1    threshold=0
    ${es}=    Infer With Trained Model    retail-inbox-v${one.model.version}    ${MISSING}
    Should Be Equal As Integers    ${live.model.version}    ${one.model.version}
    ${live_route}=    Labels Above Threshold    ${live}    thresholds=${ROUTING}
    ${one_route}=    Labels Above Threshold    ${one}    thresholds=${ROUTING}
    ${es_route}=    Labels Above Threshold    ${es}    thresholds=${ROUTING}
    Should Not Be Empty    ${es_route}
    Should Be Equal    ${live_route}    ${es_route}
    Should Be Equal    ${one_route}    ${es_route}
    ${es_scores}=    Evaluate    {label.name: round(label.probability, 6) for label in $es.labels}
    ${one_scores}=    Evaluate    {label.name: round(label.probability, 6) for label in $one.labels}
    Should Be Equal    ${es_scores}    ${one_scores}    The same model version gives the same probabilities.

Several Texts Give One Item Each In Order
    VAR    @{texts}=    ${MISSING}    ${THANKS}
    @{items}=    Infer With Trained Model    ${CLASSIFIER}    ${texts}    num_top_classes=3
    Length Should Be    ${items}    2
    Should Be Equal    ${items}[0][comment][messages][0][body][text]    ${MISSING}
    Should Be Equal    ${items}[1][uid]    es:${CLASSIFIER}:1

NER Answers Work With Get Entities
    ${item}=    Infer With Trained Model    ${NER}    ${MISSING}    task=ner
    ${orders}=    Get Entities    ${item}    name=order_number
    Length Should Be    ${orders}    1
    Should Be Equal    ${orders}[0][formatted_value]    ACM-482913
    VAR    ${span}=    ${orders}[0][spans][0]
    Should Be Equal    ${{$MISSING[$span['char_start']:$span['char_end']]}}    ACM-482913
    Should Be Equal As Integers    ${span}[utf16_byte_start]    ${{2 * $span['char_start']}}
    Should Be Empty    ${item.labels}

A Span Without Truncate None Is Refused Before The Call
    Run Keyword And Expect Error
    ...    span=64 needs truncate=none: Elasticsearch windows long input only when it is not truncated *
    ...    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    span=64
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    truncate=none    span=64
    Should Not Be True    ${item.is_truncated}

Long Input Is Truncated Unless Asked Not To
    ${long}=    Evaluate    " ".join(["parcel"] * 600)
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${long}
    Should Be True    ${item.is_truncated}
    Run Keyword And Expect Error
    ...    STARTS: Business error (bad request): POST /_ml/trained_models/${CLASSIFIER}/_infer returned 400: status_exception: Input too large.
    ...    Infer With Trained Model
    ...    ${CLASSIFIER}
    ...    ${long}
    ...    truncate=none

Zero Shot On A Classification Model Fails As Elasticsearch Does
    Run Keyword And Expect Error
    ...    STARTS: Business error (bad request): POST /_ml/trained_models/${CLASSIFIER}/_infer returned 403: status_exception: Trained model [${CLASSIFIER}] is configured for task [text_classification] but called with task [zero_shot_classification].
    ...    Infer With Trained Model
    ...    ${CLASSIFIER}
    ...    ${MISSING}
    ...    task=zero_shot_classification
    ...    labels=${{["refund", "complaint"]}}

Zero Shot Scores The Given Labels Against The Text
    [Documentation]    The same three labels, two texts, two different winners: the model reads the
    ...    text (the missing parcel by its words, the thanks by its tone), and the answer is an
    ...    item the label keywords read.
    ${model}=    Get Trained Model    ${ZERO_SHOT}
    Should Be Equal    ${model.task}    zero_shot_classification
    ${missing}=    Infer With Trained Model    ${ZERO_SHOT}    ${MISSING}    task=zero_shot_classification
    ...    labels=${CHOICES}
    Should Be Equal    ${missing.predicted_value}    missing parcel
    ${names}=    Evaluate    sorted(label.name for label in $missing.labels)
    Should Be Equal    ${names}    ${{ sorted($CHOICES) }}
    Should Be True    abs(sum(label.probability for label in $missing.labels) - 1) < 1e-6
    ${above}=    Labels Above Threshold    ${missing}    default=0.5
    Should Be Equal    ${above}    ${{ ["missing parcel"] }}
    ${thanks}=    Infer With Trained Model    ${ZERO_SHOT}    ${THANKS}    task=zero_shot_classification
    ...    labels=${CHOICES}
    Should Be Equal    ${thanks.predicted_value}    happy customer
    Should Be True    $thanks.prediction_probability < $missing.prediction_probability

Zero Shot Multi Label Scores Each Label On Its Own
    ${item}=    Infer With Trained Model    ${ZERO_SHOT}    ${MISSING}    task=zero_shot_classification
    ...    labels=${{ ["missing parcel", "late delivery", "happy customer"] }}    multi_label=True
    ${above}=    Labels Above Threshold    ${item}    default=0.5
    Should Be Equal    ${above}    ${{ ["missing parcel", "late delivery"] }}
    Should Be True    sum(label.probability for label in $item.labels) > 1

Zero Shot Without Labels Fails Before The Call
    [Documentation]    Labels may be left out only for a zero-shot model that stores its own.
    Run Keyword And Expect Error
    ...    STARTS: Zero-shot model [${CLASSIFIER}] stores no labels: give labels
    ...    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    task=zero_shot_classification

Unknown Model Fails With The Elasticsearch Reason
    Run Keyword And Expect Error
    ...    STARTS: Business error (not found): GET /_ml/trained_models/no-such-model returned 404: resource_not_found_exception: No known trained model with model_id [no-such-model].
    ...    Infer With Trained Model
    ...    no-such-model
    ...    ${MISSING}

Wrong API Key Fails Without Showing It
    Connect To Elasticsearch    %{REINFER_URL}    api_key=${WRONG_KEY}    alias=stranger
    TRY
        ${message}=    Run Keyword And Expect Error
        ...    STARTS: Business error (authentication): GET /_ml/trained_models/${CLASSIFIER} returned 401: security_exception:
        ...    Infer With Trained Model
        ...    ${CLASSIFIER}
        ...    ${MISSING}
        Should Not Contain    ${message}    ${WRONG_KEY.value}
    FINALLY
        Switch Elasticsearch Connection    sandbox
    END

Username And Password Connect Too
    [Documentation]    Basic authentication: the sandbox takes any user name with its token as password.
    Connect To Elasticsearch    %{REINFER_URL}    username=robot    password=${TOKEN}    alias=basic
    TRY
        ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}
        List Should Contain Value    ${{[label.name for label in $item.labels]}}    Order > Missing
        Connect To Elasticsearch    %{REINFER_URL}    username=robot    password=${WRONG_KEY}    alias=bad
        ${message}=    Run Keyword And Expect Error
        ...    STARTS: Business error (authentication): GET /_ml/trained_models/${CLASSIFIER} returned 401:
        ...    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}
        Should Not Contain    ${message}    ${TOKEN.value}
        Should Not Contain    ${message}    ${WRONG_KEY.value}
    FINALLY
        Switch Elasticsearch Connection    sandbox
    END


*** Keywords ***
Connect Both Ways
    [Documentation]    The cluster (the sandbox's Elasticsearch routes) and the dataset, for predictions.
    Connect To Elasticsearch    %{REINFER_URL}    api_key=${TOKEN}    alias=sandbox
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}
