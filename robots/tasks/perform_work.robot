*** Settings ***
Documentation    Performer robot: take the triage robot's work items from the work queue and do the work.
...
...              The template of a performer in the dispatcher/performer pattern (see
...              ``resources/performer.resource``). Run the triage robot as the dispatcher with
...              the same ``WORK_QUEUE_URL``, and as many performers as the work needs:
...
...              ``python -m robot --variable WORK_QUEUE_URL:sqlite:///path/queues.db robots/tasks/triage_inbox.robot``
...              ``python -m robot --variable WORK_QUEUE_URL:sqlite:///path/queues.db --variable PERFORMER:2 robots/tasks/perform_work.robot``
...
...              ``make scale-demo PERFORMERS=4`` runs both under pabot on the embedded queue.

Resource         ../resources/performer.resource


*** Variables ***
${PERFORMER}    1


*** Tasks ***
Perform Work
    Perform Work Items    ${PERFORMER}
