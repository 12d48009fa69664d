*** Settings ***
Documentation     Regression suite to run before promoting a model from staging to live.
...
...               A new model version is trained and tagged ``staging``. Before anyone moves
...               the ``live`` tag to it (and sets ``model_version`` in the thresholds file to
...               its number), this suite checks, with the thresholds and the routing table
...               the triage robot uses:
...
...               - the candidate has every label the thresholds file names;
...               - every known email (``known_emails.yaml``) still gets its labels from it;
...               - every known email goes to its queue: the triage robot's own `Choose Queue`
...               (``routing.resource``) picks the email's ``queue`` from the candidate's labels;
...               - it scores no worse than the live model on those emails: as many emails
...               with all their labels, as many in the right queue, no more labels that
...               clear where they should not, and a mean confidence on the expected labels
...               no more than ``${ALLOWED_DROP}`` lower.
...
...               Connects with REINFER_URL and REINFER_TOKEN from the environment. Run:
...               ``python -m robot --outputdir results/promotion robots/tests/model_promotion.robot``
...               Compare other versions with ``--variable CANDIDATE:3 --variable CURRENT:2``.

Library           ReinferLibrary
Resource          ../resources/routing.resource
Variables         ${KNOWN_EMAILS_FILE}

Suite Setup       Connect To Reinfer    dataset=${DATASET}
Suite Teardown    Close All Reinfer Connections


*** Variables ***
${DATASET}              acme/retail-inbox
${CANDIDATE}            staging
${CURRENT}              live
${THRESHOLDS_FILE}      ${CURDIR}/../config/thresholds.yaml
${KNOWN_EMAILS_FILE}    ${CURDIR}/known_emails.yaml
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

Known Emails Go To Their Queue On The Candidate
    [Documentation]    The triage robot's routing of each known email, with the candidate's labels.
    [Template]    Known Email Should Go To Its Queue
    FOR    ${email}    IN    @{KNOWN_EMAILS}
        ${email}    ${CANDIDATE}
    END

The Candidate Scores No Worse Than Live
    [Documentation]    Every comparison is checked and reported, also after the first that fails.
    [Tags]    robot:continue-on-failure
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${before}=    Score On Known Emails    ${CURRENT}    ${config}
    ${after}=    Score On Known Emails    ${CANDIDATE}    ${config}
    Log    ${CURRENT}: ${before}; ${CANDIDATE}: ${after}
    Should Be True    ${after.right} >= ${before.right}
    ...    ${CANDIDATE} labels ${after.right} known emails right, ${CURRENT} ${before.right}.
    Should Be True    ${after.queued} >= ${before.queued}
    ...    ${CANDIDATE} sends ${after.queued} known emails to their queue, ${CURRENT} ${before.queued}.
    Should Be True
    ...    ${after.unexpected} <= ${before.unexpected}
    ...    ${CANDIDATE} clears ${after.unexpected} unexpected label(s) on the known emails, ${CURRENT} ${before.unexpected}.
    Should Be True
    ...    ${after.confidence} >= ${before.confidence} - ${ALLOWED_DROP}
    ...    ${CANDIDATE} is less sure of the expected labels (mean ${after.confidence}) than ${CURRENT} (mean ${before.confidence}).


*** Keywords ***
Known Email Should Keep Its Labels
    [Documentation]    Fail unless ``${model_version}`` gives the email every label it is known to have.
    [Arguments]    ${email}    ${model_version}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${item}=    Predict Known Email    ${email}    ${model_version}
    FOR    ${label}    IN    @{email.labels}
        ${confidence}=    Get Label Confidence    ${item}    ${label}
        ${threshold}=    Threshold Of Label    ${config}    ${label}
        Label Should Be Present
        ...    ${item}
        ...    ${label}
        ...    thresholds=${config}
        ...    msg=Known email '${email.name}' lost '${label}' on model ${model_version}: confidence ${confidence}, threshold ${threshold}.
    END

Known Email Should Go To Its Queue
    [Documentation]    Fail unless the triage robot would put the email into its known ``queue``.
    [Arguments]    ${email}    ${model_version}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${item}=    Predict Known Email    ${email}    ${model_version}
    ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}    level=leaves
    ${queue}=    Choose Queue    ${labels}
    Should Be Equal
    ...    ${queue}
    ...    ${email.queue}
    ...    Known email '${email.name}' goes to queue '${queue}' on model ${model_version}, not '${email.queue}'; labels that cleared: ${labels}.
    ...    values=False

Predict Known Email
    [Documentation]    The prediction of ``${model_version}`` for one known email.
    [Arguments]    ${email}    ${model_version}
    ${item}=    Predict Text    ${email.body}    subject=${email.subject}    model_version=${model_version}
    RETURN    ${item}

Threshold Of Label
    [Documentation]    The threshold a label is held to: its own, else the file's ``default``, else ``auto``.
    [Arguments]    ${config}    ${label}
    IF    $label in $config.thresholds
        RETURN    ${config.thresholds}[${label}]
    END
    IF    $config.default is not None
        RETURN    ${config.default} (the default)
    END
    IF    $config.auto    RETURN    the ${config.auto} auto-threshold
    RETURN    none (the file gives this label no threshold)

Score On Known Emails
    [Documentation]    How well ``${model_version}`` labels and routes the known emails.
    ...
    ...    ``right``: emails that get all their labels (at the configured thresholds).
    ...    ``queued``: emails `Choose Queue` sends to their known queue.
    ...    ``unexpected``: labels that clear (most specific ones, as the robot routes on)
    ...    without being expected or ``allowed``, over all emails.
    ...    ``confidence``: mean confidence of the expected labels over all emails.
    [Arguments]    ${model_version}    ${config}
    VAR    ${right}=    ${0}
    VAR    ${queued}=    ${0}
    VAR    ${unexpected}=    ${0}
    VAR    @{confidences}=    @{EMPTY}
    FOR    ${email}    IN    @{KNOWN_EMAILS}
        ${item}=    Predict Known Email    ${email}    ${model_version}
        ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
        IF    set($email.labels).issubset($labels)
            VAR    ${right}=    ${{ $right + 1 }}
        END
        ${leaves}=    Labels Above Threshold    ${item}    thresholds=${config}    level=leaves
        ${queue}=    Choose Queue    ${leaves}
        IF    $queue == $email.queue
            VAR    ${queued}=    ${{ $queued + 1 }}
        END
        VAR    ${expected}=    ${{ {*$email.labels, *$email.get("allowed", [])} }}
        VAR    ${unexpected}=    ${{ $unexpected + len(set($leaves) - $expected) }}
        FOR    ${label}    IN    @{email.labels}
            ${confidence}=    Get Label Confidence    ${item}    ${label}
            VAR    @{confidences}=    @{confidences}    ${confidence}
        END
    END
    VAR    ${mean}=    ${{ round(sum($confidences) / len($confidences), 4) }}
    VAR    &{score}=    right=${right}    queued=${queued}    unexpected=${unexpected}    confidence=${mean}
    RETURN    ${score}
