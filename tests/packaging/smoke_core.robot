*** Settings ***
Documentation    `make dist`, core install only (no sandbox extra): the keyword library runs the
...              README's loop against a sandbox started from another environment, and loads
...              nothing of the sandbox's dependencies.

Resource         readme_loop.resource


*** Tasks ***
Route The Demo Inbox Without The Sandbox Extra
    The Library Comes From The Installed Wheel
    Route The Demo Inbox
    ${loaded}=    Evaluate
    ...    sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'uvicorn', 'starlette', 'sklearn', 'numpy', 'scipy', 'dateparser', 'pycountry', 'price_parser'})
    ...    modules=sys
    Should Be Empty    ${loaded}
