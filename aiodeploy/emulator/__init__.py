"""An embedded DataRobot-compatible server for tests, demos and load experiments.

It serves the deployment, registry (registered models, model packages), prediction
environment, tag, sharing, settings and monitoring routes of DataRobot's public API v2
(``/api/v2``) from memory, with DataRobot's status codes, envelopes and asynchronous-job
protocol (202 + ``Location`` → ``status/{id}/`` → 303), so that both aiodeploy and the
official ``datarobot`` client run against it unchanged; and DataRobot's real-time
prediction API on a second port (another origin, as a dedicated prediction server is),
whose traffic the monitoring routes read (the ``datarobot-predict`` library predicts
through it unchanged). It can inject faults, deterministically from a seed.

Example:
    .. code-block:: python

        from aiodeploy.emulator import Emulator

        async with Emulator(deployments=150, replacement_seconds=(0.5, 2)) as emu:
            dep_id = emu.state.live_deployments()[0].id
            better = emu.state.replacement_candidates(dep_id).passing[0]
            ...  # point a client at emu.endpoint with emu.token
            [entry.model_id for entry in emu.state.model_history(dep_id)]
            emu.state.stats.request_count(method="PATCH", status=202)

Options are declared once, in :class:`EmulatorOptions` (``help(EmulatorOptions)`` lists
each with its default). ``Emulator(...)`` takes all of them as keywords; :class:`EmulatorState`
and :func:`create_app` take the same but ``host`` and ``port`` (:class:`StateOptions`); the
command line's flags are generated from them, and the pytest plugin overlays its own
defaults. An unknown keyword is a ``TypeError`` (mypy flags it too), a bad value a
``ValueError``:

- ``token="test-token"``: the owner token. ``tokens={"ro": "read-only", "t2": "owner"}``
  adds more (``--read-only-token T``, repeatable). ``Authorization: Bearer <t>`` and
  ``Token <t>`` are both accepted; a missing or unknown token gets 401. A ``read-only``
  token reads everything and may run validations (whose ``permission`` check fails); any
  other mutation gets 403.
- ``host="127.0.0.1"``, ``port=0`` (a free port; read ``emu.port`` / ``emu.url``; the
  command line's default is 8080), ``prediction_port=0`` (the prediction server's port; a
  free one: read ``emu.prediction_url``).
- ``replacement_seconds=1.0``, ``settings_seconds=0.2``, ``creation_seconds=0.5``,
  ``status_seconds=0.2``, ``challenger_seconds=0.5``, ``intervals_seconds=0.5``: job
  durations, a number or a ``(min, max)`` range drawn per job from the seed
  (``--replacement-seconds 1:3`` on the command line).
- ``package_build_seconds=0``: how long a new registered model version
  (``modelPackages/fromLeaderboard/``) builds; its ``buildStatus`` is ``inProgress`` until
  then (0: ``complete`` at once), a number or a ``(min, max)`` range.
- ``faults=None``: a :class:`FaultProfile` or its spec string (below).
- ``seed=0``: ids, durations, seed deployments and fault draws all derive from it.
- ``deployments=0``: deployments created at start, spread over the projects and labelled
  ``credit-risk-0001``, ``churn-0002``, ``house-price-0003``, ``iris-0004``, ... A bare
  ``aiodeploy emulator`` (or ``python -m aiodeploy.emulator``) serves 12, so that a new
  user sees a fleet; ``Emulator()`` starts empty.
- ``monitoring_seconds=0.2``: duration of actuals uploads and monitoring data deletions.
- ``traffic=0``: days of prediction history generated at start for the active deployments
  (the command line's default is 7), so that a fresh fleet shows varied health: each draws
  from the seed a volume (some idle), an error rate (most healthy, some flaky, a few
  broken), a drift (one feature moved a little or a lot) and whether actuals come back.
- ``reply_delay=0``: seconds added to every ``/api/v2`` reply, a fixed round trip (the
  ``latency`` fault is a random one); benchmarks use 0.05 for a WAN-like 50 ms.
- ``status_retry_after=None``: seconds sent as ``Retry-After`` on running-job status replies.
- ``clock=None``: a monotonic clock (``time.monotonic``); inject one to drive jobs by hand
  (Python only).

Attributes: ``emu.endpoint`` (``http://127.0.0.1:<port>/api/v2``), ``emu.url`` (root),
``emu.prediction_url`` (the prediction server's root), ``emu.token``, ``emu.options``,
``emu.state``, ``emu.app``, ``emu.prediction_app``,
``emu.set_faults(profile_or_spec_or_None)``,
``emu.set_model_faults(model_id, *, error_rate=0.0, latency=0.0)`` (that model's
predictions fail with 500 at ``error_rate`` and take ``latency`` seconds more, on every
deployment it serves; both 0 clears; they outlive a reset).

Seed data (``emu.state.catalog``): five projects: ``Loan defaults`` (Binary, target
``is_bad``), ``Customer churn`` (Binary, ``churn``), ``House prices`` (Regression,
``price``), ``Iris species`` (Multiclass, ``species``: setosa, versicolor, virginica), and
last ``Store sales forecast`` (time series, Regression on ``sales``), which no seed
deployment serves (prediction intervals are computed for time-series models only). Each
has five models sharing the project's feature types, whose ``seed_role`` says how they
validate against the project's ``champion``: three ``compatible`` (passing), one
``extra-features`` (warning: it needs features the champion lacks). Models of other
projects fail ``target`` (and ``targetType``/``targetClasses`` as they differ). Two
prediction servers (both at ``emu.prediction_url`` once started, each with its
``DataRobot-Key``).

The registry (``emu.state.registry``): one registered model per project (named after it)
holding a version per model, version 1 the champion; a version's id is its model's
``package_id``, never the model's id. ``modelPackageId`` (replace, validate,
``deployments/fromModelPackage/``) takes version ids; a deployment's ``modelPackage`` is the
version it serves (a replacement by ``modelId`` serves the model's seed version).
Prediction environments (``emu.state.environments``): a ``datarobot`` one per prediction
server (a deployment's ``predictionEnvironment`` is its server's), a serverless one (no
prediction server) and an external ``aws`` one that takes no DataRobot model. Seed
deployments carry the tags ``team`` (by project) and ``environment`` (``production`` if
active, else ``staging``); the emulator's user owns every deployment, which can be shared
with the users ``alice@example.com`` and ``bob@example.com``, the group ``Risk analysts``
and the organization ``Emulator Inc.`` (``emu.state.sharing.recipients``).

Predictions: ``POST {prediction_url}/predApi/v1.0/deployments/{id}/predictions`` with
``Authorization`` and the deployment's ``DataRobot-Key`` (also ``POST
/api/v2/deployments/{id}/predictions``, DataRobot's serverless route, with the token
alone). Rows in as a JSON array of objects, CSV (``text/csv``, ``text/plain``) or a
multipart file; out as JSON (``{"data": [{"rowId", "prediction", "predictionValues",
"predictionThreshold"}]}``) or CSV by ``Accept`` (``<target>_<class>_PREDICTION``,
``<target>_PREDICTION``, ``THRESHOLD``, ``POSITIVE_CLASS``); ``passthroughColumns`` and
``passthroughColumnsSet=all`` work; headers ``X-DataRobot-Execution-Time`` (ms) and
``X-DataRobot-Model-Cache-Hit``. Errors are DataRobot's ``{"message"}``: 401 ``Invalid API
token`` or ``The datarobot-key header is missing``, 404 unknown deployment, 403 inactive
deployment, 400 rows that cannot be read (not JSON, not a list of objects, a CSV line with
more fields than the header, no rows), 422 an unknown query parameter. A feature missing
from a row is a missing value (the prediction is still made). Predictions are a
deterministic function of the serving model and the row (every model of a project is the
project's hidden truth plus weights of its own): Binary gives both classes'
probabilities and the class past the 0.5 threshold, Regression a value, Multiclass every
class's probability. The serving model is the deployment's at that instant: a replacement
serves the new model from the moment it is accepted.

Monitoring (computed from the recorded traffic, aggregated by hour): ``serviceStats``,
``serviceStatsOverTime``, ``predictionsOverTime``, ``targetDrift``, ``featureDrift``,
``accuracy``, ``accuracyOverTime``, ``predictionsVsActualsOverTime`` (GET, under
``deployments/{id}/``) with DataRobot's parameters (``start``/``end``, ``modelId``
repeatable, ``bucketSize``, ``metric``, quantiles, ``segmentAttribute``/``segmentValue``,
...); ``segmentAttributes`` and ``segmentValues``; ``POST actuals/fromJSON/`` and ``POST
monitoringDataDeletions/`` (jobs). Drift is PSI (or ``kl_divergence``, ``hellinger``,
``js_divergence``, ``dissimilarity``) of the period's bins against the training baseline
(each feature's training distribution; the model's own predictions on its training rows
for the target). Accuracy joins rows predicted with an association id (the deployment's
``associationId.columnNames`` setting) to the actuals posted for it; its baseline is the
model's score on a holdout drawn from the project's truth. The health blocks of ``GET
deployments/{id}/`` (service: last 24 hours; drift and accuracy: last 7 days of the
current model; the thresholds are in ``_health``) and ``predictionUsage`` follow the data.

State helpers for tests (``emu.state``):

- ``live_deployments()``, ``deleted_deployments()``, ``deployment(id)``;
- ``replacement_candidates(id)`` → ``Candidates(current, passing, warning, failing)``;
- ``current_model(id)``, ``model_history(id)`` (``HistoryEntry(model_id, reason,
  start_date, end_date)``, oldest first);
- ``create_deployment(model_id, label, ..., package_id=None, environment_id=None)``: at
  once, without a job;
- ``predictions``: the prediction server (``set_model_faults`` sets its faults);
  ``monitoring.data.requests``: every prediction request answered, in order, as a
  ``PredictionRequest(epoch, deployment_id, model_id, rows, latency_ms, status, error,
  association_ids)`` (the generated history is not in it);
- ``stats.request_count(method=, route=, status=)`` with route templates such as
  ``/api/v2/deployments/{deployment_id}/``; ``stats.faults``; ``jobs.started`` /
  ``jobs.finished``; ``jobs.get(status_id)``;
- ``set_faults(...)``, ``set_model_faults(...)``, ``reset()``, ``advance()`` (settle due
  jobs; done before each request);
- ``options`` (the :class:`StateOptions` it was built from), ``time`` (its clock), and one
  part per resource: ``lifecycle`` (create, update, delete, status changes),
  ``replacement`` (validate, candidates, replace), ``settings``, ``registry`` (registered
  models and versions: ``version(id)``, ``registered``, ``build_status(version)``),
  ``environments``, ``tags``, ``sharing``.

Fault spec (``FaultProfile.parse`` and the CLI's ``--faults``): comma-separated
``key=value``. ``500``, ``502``, ``503``, ``504``, ``429``: rate (0-1) of requests answered
with that status; ``retry_after``: seconds sent in ``Retry-After`` with 429 and 503
(rounded up to whole seconds, as HTTP requires; so is ``status_retry_after``);
``reset``: rate of connections reset before handling; ``reset_after``: rate of mutating
requests reset after the change was applied; ``latency``: maximum added seconds (uniform);
``job_error``: rate of jobs ending in ``ERROR`` (a failed replacement rolls back);
``job_hang``: rate of jobs that never finish (stuck in ``INITIALIZED``). Faults apply to
``/api/v2`` routes only (the prediction server has ``set_model_faults``). Example:
``"503=0.1,429=0.05,retry_after=1,latency=0.05"``.

Admin routes (no token, never faulted): ``GET /_emulator/stats`` (requests by method, route
template and status; faults; jobs started and finished), ``POST /_emulator/reset`` (seed
state, counters zeroed; 204), ``GET``/``POST /_emulator/faults`` (body ``{"spec": "..."}``,
null or empty clears; 422 on a bad spec).

Choices where the contract is silent:

- ``limit`` above 100 (deployments, deleted deployments, model history) is a 400, like any
  bad query parameter: ``{"message": {"limit": "value is greater than 100"}}``; unknown query
  parameters get ``{"message": {"x": "x is not allowed key"}}``. Bad JSON bodies get 422
  ``{"message": "Invalid field data", "errors": {field: error}}``; non-JSON bodies get 400.
- ``GET projects/`` is a bare JSON array, as the official client reads it.
- A created deployment can be read (and is listed) once its job completes; the 202 body
  already holds its id. A failed creation job leaves nothing behind.
- A replacement serves the new model as soon as it is accepted; the ``modelHistory`` entry
  (start = acceptance time) is added when the job completes, and a failed job rolls back.
  While one replacement runs, another gets 409 with the running job's ``Location``. The 202
  body is the validation report.
- Settings and status changes apply when their job completes; their 202 has no body.
- Jobs of a deployment deleted meanwhile end in ``ERROR``. ``DELETE status/{id}/`` aborts a
  running job (rolling a replacement back) and forgets it.
- The ``importance`` list filter works (no approval-workflow 403); so do ``tagKeys`` and
  ``tagValues`` (repeatable; keys OR keys, values OR values, keys AND values) and
  ``predictionEnvironmentPlatform``; prediction environment tags match nothing.
- ``registeredModels/`` lists in creation order, ``versions/`` by version number (both
  paginated with ``totalCount``; ``sortKey``/``sortDirection`` change it).
  ``modelPackages/fromLeaderboard/`` answers 201 with the version; registered model names
  are unique (422), and a version joins a registered model only with its target (422).
  A version still building is refused by validation (``modelStatus``) and by
  ``deployments/fromModelPackage/`` (422). ``fromModelPackage`` with neither
  ``defaultPredictionServerId`` nor ``predictionEnvironmentId`` uses the first prediction
  server; both is a 422.
- ``features/`` lists the champion model's features, most important first.
- A deployment has at most one tag with a given name and value (409 otherwise).
  ``sharedRoles/`` answers 404 for an unknown user, group or organization and 422 for a
  change that leaves the deployment without owner.
- Health blocks cover the week up to the hour after the last prediction (or model change);
  ``fairnessHealth`` is ``unavailable``, with its own message.
- Dropped connections are TCP resets (``ECONNRESET``).
- Monitoring windows are whole hours; other ``start``/``end`` values are rounded out
  (``start`` down, ``end`` up) instead of refused. Without ``modelId``, service stats cover
  every model that served the deployment (``modelId`` null); drift, accuracy and
  prediction reads cover its current model. Requests refused for their token, key or an
  inactive deployment are logged but count in no model's monitoring data. Predicting on
  an inactive deployment is a 403.

Layout, for contributors: a resource family is a state part (``_state_<resource>.py``: its
records, operations, and the effects its jobs have when they settle, registered with the
job book) plus a route module (``_routes_<resource>.py``, one ``add_*_routes`` function).
It touches ``_state.py`` with one line (build the part in ``EmulatorState._build``) and
``_app.py`` with two (import the function, add it to ``ROUTE_MODULES``); a new option is
one field in ``_options.py``; list routes page with ``_paging.Paging``.
"""

from __future__ import annotations

from ._app import create_app, state_of_app
from ._auth import Role
from ._faults import FaultProfile
from ._monitoring_data import PredictionRequest
from ._options import EmulatorOptions, StateOptions
from ._records import DeploymentRecord, HistoryEntry, ModelRecord, ProjectRecord
from ._server import Emulator
from ._state import Candidates, EmulatorState
from ._state_predictions import ModelFaults

__all__ = [
    "Candidates",
    "DeploymentRecord",
    "Emulator",
    "EmulatorOptions",
    "EmulatorState",
    "FaultProfile",
    "HistoryEntry",
    "ModelFaults",
    "ModelRecord",
    "PredictionRequest",
    "ProjectRecord",
    "Role",
    "StateOptions",
    "create_app",
    "state_of_app",
]
