*** Settings ***
Documentation       Triage the customer service inbox.
...
...                 Reads trigger ``${TRIGGER}`` batch by batch and puts every comment into the
...                 queue of its label: one JSON work item per comment, in
...                 ``${QUEUE_DIR}/<queue>/<comment uid>.json``. A comment that no label clears
...                 is tagged as a ``No Prediction`` exception and queued in ``exceptions``; so
...                 is a comment with a business error of its own (see `Triage Comment`), so
...                 one bad comment never stops the stream.
...                 The trigger is advanced only after a batch's work items are on disk, so a
...                 run that dies half-way loses nothing: the next run gets the same batch
...                 again and rewrites the same files.
...
...                 ``QUEUE_DIR`` must be the same folder on every run (it does not follow
...                 ``--outputdir``): the environment variable TRIAGE_QUEUE_DIR, else
...                 ``robots/work/queues``. After a crash, the repeated batch then rewrites the
...                 same files instead of routing its comments a second time elsewhere.
...
...                 Connects with the environment variables REINFER_URL (everything before
...                 ``/api``) and REINFER_TOKEN. Run it with ``python robots/run_demo.py`` (starts
...                 the sandbox when REINFER_URL is not set) or directly:
...                 ``python -m robot --outputdir results/triage robots/tasks/triage_inbox.robot``

Library             ReinferLibrary
Resource            ../resources/routing.resource
Resource            ../resources/reporting.resource


*** Variables ***
${DATASET}                  acme/retail-inbox
${TRIGGER}                  routing
${BATCH_SIZE}               ${32}
# A scheduled run stops after this many batches; the next run carries on where it stopped.
${MAX_BATCHES}              ${10000}
${THRESHOLDS_FILE}          ${CURDIR}/../config/thresholds.yaml
# The same folder for every run, whatever --outputdir is (see the documentation above).
${QUEUE_DIR}                %{TRIAGE_QUEUE_DIR=${CURDIR}/../work/queues}


*** Tasks ***
Triage The Inbox
    ${config}=    Start Triage Run
    WHILE    True    limit=${MAX_BATCHES}    on_limit=pass
        ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=${BATCH_SIZE}    thresholds=${config}
        FOR    ${item}    IN    @{batch.results}
            # Sets the comment aside on a business error; a technical error ends the run here.
            Triage Comment    ${TRIGGER}    ${item}    ${config}
        END
        Record Batch    ${batch}
        # Every work item of this batch is on disk: only now may the trigger move past it.
        # The batch also covers comments the trigger's filter skipped (results may be empty).
        Advance Trigger    ${TRIGGER}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
    [Teardown]    Report Triage Run    ${TRIGGER}    ${DATASET}    ${THRESHOLDS_FILE}


*** Keywords ***
Start Triage Run
    [Documentation]    Connect, load and verify the thresholds, check the routing table, open the queues.
    ...
    ...    Everything that can be wrong with the configuration fails here, before any comment
    ...    is read. Returns the thresholds config.
    # URL and token come from REINFER_URL and REINFER_TOKEN; the library reads the token as
    # a secret, so it never reaches the log. No token in this file, none on the command line.
    Connect To Reinfer    dataset=${DATASET}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${model}=    Verify Model Configuration    ${config}
    Routing Table Should Cover Thresholds    ${config}
    Open Routing Queues    ${QUEUE_DIR}
    Add Report Details    model_version=${model.version}
    RETURN    ${config}
