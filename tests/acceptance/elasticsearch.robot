*** Settings ***
Documentation       Elasticsearch trained-model inference against the sandbox.
...
...                 The sandbox serves, at the same base URL as the Communications Mining API,
...                 the dataset's pinned model versions as text classification models
...                 (``retail-inbox-v1``, ...) and its entity extractor as the ner model
...                 ``retail-inbox-ner``. The answers are items, so the label and entity keywords
...                 work on them unchanged.

Library             Collections
Library             ReinferLibrary

Suite Setup         Connect To Elasticsearch    %{REINFER_URL}    api_key=${TOKEN}    alias=sandbox
Suite Teardown      Close All Elasticsearch Connections

Test Tags           elasticsearch


*** Variables ***
${TOKEN: Secret}        %{REINFER_TOKEN}
${WRONG_KEY: Secret}    %{ES_WRONG_KEY=not-the-sandbox-token}
${CLASSIFIER}           retail-inbox-v1
${NER}                  retail-inbox-ner
${MISSING}              Hi, my order ACM-482913 never arrived. It is two weeks late and the parcel is missing.
${THANKS}               Thank you so much, the delivery was quick and the support team was lovely!


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

Default Answer Is The Predicted Class Alone
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    timeout=20s
    Length Should Be    ${item.labels}    1
    Should Be Equal    ${item.labels}[0][name]    ${item.predicted_value}
    Should Be Equal    ${item.labels}[0][probability]    ${item.prediction_probability}

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

Long Input Is Truncated Unless Asked Not To
    ${long}=    Evaluate    " ".join(["parcel"] * 600)
    ${item}=    Infer With Trained Model    ${CLASSIFIER}    ${long}
    Should Be True    ${item.is_truncated}
    Run Keyword And Expect Error
    ...    STARTS: Business error (bad request): POST /_ml/trained_models/${CLASSIFIER}/_infer returned 400: status_exception: Input too large.
    ...    Infer With Trained Model    ${CLASSIFIER}    ${long}    truncate=none

Zero Shot On A Classification Model Fails As Elasticsearch Does
    Run Keyword And Expect Error
    ...    STARTS: Business error (bad request): POST /_ml/trained_models/${CLASSIFIER}/_infer returned 403: status_exception: Trained model [${CLASSIFIER}] is configured for task [text_classification] but called with task [zero_shot_classification].
    ...    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    task=zero_shot_classification
    ...    labels=${{["refund", "complaint"]}}

Zero Shot Without Labels Fails Before The Call
    Run Keyword And Expect Error
    ...    Invalid zero_shot_classification options: labels: Field required.
    ...    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}    task=zero_shot_classification

Unknown Model Fails With The Elasticsearch Reason
    Run Keyword And Expect Error
    ...    STARTS: Business error (not found): POST /_ml/trained_models/no-such-model/_infer returned 404: resource_not_found_exception: Could not find trained model [no-such-model].
    ...    Infer With Trained Model    no-such-model    ${MISSING}

Wrong API Key Fails Without Showing It
    Connect To Elasticsearch    %{REINFER_URL}    api_key=${WRONG_KEY}    alias=stranger
    TRY
        ${message}=    Run Keyword And Expect Error
        ...    STARTS: Business error (authentication): POST /_ml/trained_models/${CLASSIFIER}/_infer returned 401: security_exception:
        ...    Infer With Trained Model    ${CLASSIFIER}    ${MISSING}
        Should Not Contain    ${message}    ${WRONG_KEY.value}
    FINALLY
        Switch Elasticsearch Connection    sandbox
    END
