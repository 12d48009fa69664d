"""The sandbox's language core: a real trained label model, entity extraction and label properties.

Modules, one job each:

* ``classifier`` -- ``comment_text``, ``train`` and ``TrainedModel`` (TF-IDF + one logistic
  regression per label, parents never below their children).
* ``validation`` -- the held-out evaluation stored with every model (curves, AP, auto-thresholds).
* ``entities`` -- ``extract_entities``: API-shaped entities with char and UTF-16 offsets and
  table capture groups; the finders live in ``dates``, ``money``, ``countries`` and ``tables``.
* ``properties`` -- ``label_properties``: lexicon-based tone and quality of service.
* ``zero_shot`` -- ``zero_shot``: labels named at request time scored against a text by
  wording and tone (the Elasticsearch emulation's zero-shot model).

Nothing here imports the client, models, logic or keywords packages: the sandbox is an
independent implementation of the API. Heavy libraries (scikit-learn, dateparser) are imported
by the modules that need them, so importing this package stays cheap.
"""
