*** Settings ***
Documentation    The chaos harness's consumer: a README-shaped loop whose work must not happen twice.
...
...              ``Do The Work`` appends the comment uid to ``${WORK_LOG}`` (a side effect that
...              is not idempotent, like an ERP entry or an email); `Run Once For Item` records
...              in the ledger that it starts and that it is done. ``tests/chaos/run.py`` kills this robot with SIGKILL,
...              kills the sandbox under it, injects faults, and counts the uids in the work log.

Library          ReinferLibrary
Library          ChaosWork.py


*** Variables ***
${TRIGGER}       routing
${DATASET}       acme/retail-inbox
${WORK_LOG}      ${OUTPUT_DIR}/work.log
${BATCH_SIZE}    ${32}
${LEASE_WAIT}    0 s
# False shows what the ledger prevents: the harness's --no-ledger baseline (no ledger at all).
${MARK}          ${True}


*** Tasks ***
Consume The Stream
    Connect To Reinfer    dataset=${DATASET}    retries=6
    WHILE    True    limit=1000
        ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=${BATCH_SIZE}    log_items=False
        ...    lease_wait=${LEASE_WAIT}
        FOR    ${item}    IN    @{batch.results}
            IF    ${MARK}
                Run Once For Item    ${TRIGGER}    ${item}    Do The Work    ${WORK_LOG}    ${item}
            ELSE
                Do The Work    ${WORK_LOG}    ${item}
            END
        END
        Advance Trigger    ${TRIGGER}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
