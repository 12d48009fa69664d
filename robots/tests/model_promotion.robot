*** Settings ***
Documentation       Regression suite to run before promoting a model from staging to live.
...
...                 A new model version is trained and tagged ``staging``. Before anyone moves
...                 the ``live`` tag to it (and sets ``model_version`` in the thresholds file to
...                 its number), this suite checks, with the thresholds the robots use:
...
...                 - the candidate has every label the thresholds file names;
...                 - every known email (``known_emails.yaml``) still gets its labels from it;
...                 - it scores no worse than the live model on those emails.
...
...                 Connects with REINFER_URL and REINFER_TOKEN from the environment. Run:
...                 ``python -m robot --outputdir results/promotion robots/tests/model_promotion.robot``
...                 Compare other versions with ``--variable CANDIDATE:3 --variable CURRENT:2``.

Library             ReinferLibrary
Variables           known_emails.yaml

Suite Setup         Connect To Reinfer    dataset=${DATASET}
Suite Teardown      Close All Reinfer Connections


*** Variables ***
${DATASET}              acme/retail-inbox
${CANDIDATE}            staging
${CURRENT}              live
${THRESHOLDS_FILE}      ${CURDIR}/../config/thresholds.yaml
# How much lower the candidate's mean confidence on the expected labels may be than the
# current model's before it counts as worse. A business decision: 0 means "not lower at all".
${ALLOWED_DROP}         ${0.02}


*** Test Cases ***
The Candidate Has Every Configured Label
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${check}=    Verify Model Configuration    ${config}    model_version=${CANDIDATE}
    Log    Model version ${check.version} (${CANDIDATE}) knows all ${check.labels_checked} configured labels.

Known Emails Keep Their Labels On The Candidate
    [Documentation]    One check per known email; every email is checked even when an earlier one fails.
    [Template]    Known Email Should Keep Its Labels
    FOR    ${email}    IN    @{KNOWN_EMAILS}
        ${email}    ${CANDIDATE}
    END

The Candidate Scores No Worse Than Live
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${before}=    Score On Known Emails    ${CURRENT}    ${config}
    ${after}=    Score On Known Emails    ${CANDIDATE}    ${config}
    Log    ${CURRENT}: ${before}; ${CANDIDATE}: ${after}
    Should Be True    ${after.right} >= ${before.right}
    ...    ${CANDIDATE} labels ${after.right} known emails right, ${CURRENT} ${before.right}.
    Should Be True    ${after.confidence} >= ${before.confidence} - ${ALLOWED_DROP}
    ...    ${CANDIDATE} is less sure of the expected labels (mean ${after.confidence}) than ${CURRENT} (mean ${before.confidence}).


*** Keywords ***
Known Email Should Keep Its Labels
    [Documentation]    Fail unless ``${model_version}`` gives the email every label it is known to have.
    [Arguments]    ${email}    ${model_version}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${item}=    Predict Text    ${email.body}    subject=${email.subject}    model_version=${model_version}
    FOR    ${label}    IN    @{email.labels}
        ${confidence}=    Get Label Confidence    ${item}    ${label}
        Label Should Be Present    ${item}    ${label}    thresholds=${config}
        ...    msg=Known email '${email.name}' lost '${label}' on model ${model_version}: confidence ${confidence}, threshold ${config.thresholds}[${label}].
    END

Score On Known Emails
    [Documentation]    How well ``${model_version}`` labels the known emails.
    ...
    ...    ``right``: emails that get all their labels (at the configured thresholds).
    ...    ``confidence``: mean confidence of the expected labels over all emails.
    [Arguments]    ${model_version}    ${config}
    VAR    ${right}=    ${0}
    VAR    @{confidences}=    @{EMPTY}
    FOR    ${email}    IN    @{KNOWN_EMAILS}
        ${item}=    Predict Text    ${email.body}    subject=${email.subject}    model_version=${model_version}
        ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
        IF    set($email.labels).issubset($labels)
            VAR    ${right}=    ${{ $right + 1 }}
        END
        FOR    ${label}    IN    @{email.labels}
            ${confidence}=    Get Label Confidence    ${item}    ${label}
            VAR    @{confidences}=    @{confidences}    ${confidence}
        END
    END
    VAR    &{score}=    right=${right}    confidence=${{ round(sum($confidences) / len($confidences), 4) }}
    RETURN    ${score}
