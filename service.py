"""The credit-scoring service: ``bentoml serve`` (port 3000), or ``bentoml build`` then serve the Bento.

Two BentoML services, started together:

- `CreditScoring`, the entry point: ``POST /predict`` and ``POST /explain`` take
  ``{"applications": [...]}`` (raw Home Credit records, see `serving.requests`), check each request
  against the request model generated from the schema, forward it to the model service and answer
  in request order, or with a 4xx naming application, field and problem. Requests that arrive while
  a call to the model service is in flight go together in the next call (`serving.coalescing`).
  ``POST /counteroffer`` takes the same body and answers what could be lent instead, changing only
  the loan's terms (`serving.counteroffer`).
  Also ``GET /model/card``, the advisor page at ``/ui``, and BentoML's ``/livez``, ``/readyz`` and
  ``/metrics``. One worker: the page's Gradio queue lives in one process.
- `ScoringModel`: the adaptive-batched methods. Each batch merges the applications of many requests,
  is validated once against the model's Great Expectations suite (whose cost does not depend on the
  number of rows), and is scored together; applications that fail are answered with their problems,
  the others are scored, so one client's bad application never fails another client's request.

Settings (`settings.Settings`, the README's table) are read once, here, when the service starts.
"""

from __future__ import annotations

import functools
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import anyio
import bentoml
import orjson
import pandas as pd
from bentoml.validators import ContentType
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse, Response

from access.audit import Audit, Read
from access.ledger import StoreLedger
from access.sign_in import Gate, SignInRequired
from decisions.database import StoreUnavailableError, create_store_engine, open_store
from decisions.lookup import DEFAULT_PAGE, MAX_PAGE, DecisionLookup
from decisions.records import NewDecision, Origin, new_decisions
from decisions.replay import ModelVersionMissingError, Rescorer
from decisions.store import DecisionStore
from decisions.views import DecisionPage, DecisionView
from decisions.writer import DecisionWriter
from features.loaders import cast_to_schema
from features.schema import table
from monitoring.drift import Drift
from monitoring.metrics import publish
from monitoring.monitor import DEFAULT_WINDOW, MAX_WINDOW, Monitor, Refresher
from monitoring.views import DriftAnswer
from serving.coalescing import Coalescer
from serving.collector import tune_for_serving
from serving.counteroffer import counteroffers
from serving.limits import BodyLimits
from serving.logs import BENTOML_REQUEST_LOGGER, RejectionSummary
from serving.metrics import (
    APPLICATIONS,
    BATCH_APPLICATIONS,
    FIELD_REJECTIONS,
    FIELD_WARNINGS,
    VALIDATION_SECONDS,
    count_fields,
)
from serving.middleware import ApiKeyMiddleware, ProblemResponses, api_key_digest, request_caller
from serving.problems import error_response, parameter_problems
from serving.requests import (
    MAX_EXPLAIN_APPLICATIONS,
    MAX_PREDICT_APPLICATIONS,
    MAX_WHOLE_NUMBER,
    ExplainApplications,
    ExplainBody,
    PredictApplications,
    PredictBody,
)
from serving.responses import (
    Counteroffer,
    ErrorBody,
    ModelCard,
    Problem,
    RecordedExplanation,
    RecordedPrediction,
)
from serving.scoring import Scorer
from serving.transport import Answer, call_with_retry
from settings import load_settings
from train.bundle import ModelBundle
from ui.app import mount_ui
from ui.handlers import Advisor
from ui.model_info import ModelInfo
from ui.portfolio import Portfolio

logger = logging.getLogger("credit_scoring")



SETTINGS = load_settings()
MODEL_TAG = "credit_scoring:latest"
MODEL_WORKERS = SETTINGS.model_workers
LIGHTGBM_THREADS = SETTINGS.lightgbm_threads
BATCHING = SETTINGS.batching
_LOGGING = {"access": {"enabled": SETTINGS.access_log}}
# A pattern matches any URL it occurs in: "/predict" covers /predict and /predict_batch.
_UNTRACED = {} if SETTINGS.tracing else {
    "tracing": {"excluded_urls": ["/predict", "/explain", "/counteroffer"]}}

# Adaptive batching of the model service, chosen from measurements (`python -m benchmarks.serving`,
# 2 shared cores, one application with history per request, closed loop). A batch has a fixed cost
# whatever its rows (in process: ~9 ms for 1 application, ~12 ms for 16; features ~4 ms and Great
# Expectations ~3 ms of it), so batching gave 648-864 requests/s (p99 0.06-0.08 s) at 32 clients
# against 62-78 (p99 0.48-0.64 s) unbatched, and 280-315 against 43-46 explanations/s, in four runs.
# max_latency_ms is a shedding budget, not a wait: at 1,000 ms BentoML answered 503 to 6% of the
# requests (80% on a busier machine) when batches took about a second; 10,000 shed none, also at 256
# clients (p99 1.2 s). The batch sizes are the request limits, so that one full request is one batch.
PREDICT_MAX_BATCH = MAX_PREDICT_APPLICATIONS
EXPLAIN_MAX_BATCH = MAX_EXPLAIN_APPLICATIONS
MAX_LATENCY_MS = 10_000
_PREDICT_BATCHING = {"batchable": BATCHING, "max_batch_size": PREDICT_MAX_BATCH,
                     "max_latency_ms": MAX_LATENCY_MS}
_EXPLAIN_BATCHING = {**_PREDICT_BATCHING, "max_batch_size": EXPLAIN_MAX_BATCH}
# A counteroffer takes /predict's body; each application becomes about 45 candidate loans, then a few
# refinements, scored in two model calls for the whole batch (`serving.counteroffer`).
COUNTEROFFER_MAX_BATCH = MAX_PREDICT_APPLICATIONS
_COUNTEROFFER_BATCHING = {**_PREDICT_BATCHING, "max_batch_size": COUNTEROFFER_MAX_BATCH}

try:
    bentoml.models.get(MODEL_TAG)
except bentoml.exceptions.NotFound:
    raise SystemExit(f"no {MODEL_TAG} model in the BentoML model store; train one with `python -m train`"
                     ) from None

logging.getLogger(BENTOML_REQUEST_LOGGER).addFilter(RejectionSummary())

def _model_path(service: bentoml.Service, latest: str) -> str:
    """Return the folder of the service's model: the version pinned in the Bento when served from one.

    ``BentoModel("credit_scoring:latest")`` resolves "latest" in the model store when the service
    starts. In a container the store holds only the pinned model, but ``bentoml serve <bento tag>``
    on a machine that has trained newer models since the build would load the newest: the version the
    Bento recorded at build time is used instead (BentoML sets ``service.bento`` when it loads one).
    """
    bento = getattr(service, "bento", None)
    if bento is None:
        return latest
    info = next(info for info in bento.info.services if info.name == service.name)
    return bentoml.models.get(info.models[0].tag).path


class RejectedApplicationsError(ValueError):
    """Some applications broke the model's expectations; `problems` says which, where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"application {p.index} (SK_ID_CURR={p.SK_ID_CURR}) {p.field}: {p.problem}"
                                   for p in self.problems))


# Three threads: a predict, an explain and a counteroffer batch may run at once (one batch per method at
# a time is BentoML's rule); their validations take turns on the validator's lock, LightGBM releases
# the GIL. With two, a counteroffer batch could hold a predict batch back.
# The API service's client of this service would otherwise close its connection pool every 100 calls
# (BentoML's runner_connection default) with calls still in flight, which then fail ("Connector is
# closed" -> HTTP 500): 59% of requests at 256 concurrent clients, 1 in 2,000 at 32; none with this.
_KEEP_CONNECTIONS = {"max_requests": 2**62, "max_age": float(2**62)}
# The media type stated: without it BentoML derives it from the answers' JSON schema on every response
# (0.43 ms, ~3% of the model service's time at 32 clients).
Answers = Annotated[list[Answer], ContentType("application/json")]


@bentoml.service(name="credit_scoring_model", workers=MODEL_WORKERS, threads=3, traffic={"timeout": 60},
                 runner_connection=_KEEP_CONNECTIONS, logging=_LOGGING, **_UNTRACED)
class ScoringModel:
    """The model: validates, scores and explains merged batches of applications.

    Its methods take the applications `CreditScoring` has checked against the request model, each as
    its JSON text: this service is reached only through that one, and validating again here would
    double the cost of the check.
    JSON text, because BentoML's client walks every value of a structured argument to encode it
    (30% of the entry service's CPU for records with history); a string it passes as it is.
    """

    model_ref = bentoml.models.BentoModel(MODEL_TAG)

    def __init__(self) -> None:
        path = _model_path(ScoringModel, self.model_ref.path)
        self.scorer = Scorer(ModelBundle.load(path, num_threads=LIGHTGBM_THREADS))
        tune_for_serving()

    @bentoml.api(**_PREDICT_BATCHING)
    def predict_batch(self, applications: list[str]) -> Answers:
        """Score a merged batch; applications that break the expectations get their problems."""
        outcomes = self.scorer.predict([orjson.loads(text) for text in applications])
        self._observe("predict", len(applications))
        return [Answer.of(outcome.prediction, outcome.problems) for outcome in outcomes]

    @bentoml.api(**_EXPLAIN_BATCHING)
    def explain_batch(self, applications: list[str]) -> Answers:
        """Explain a merged batch; applications that break the expectations get their problems."""
        outcomes = self.scorer.explain([orjson.loads(text) for text in applications])
        self._observe("explain", len(applications))
        return [Answer.of(outcome.explanation, outcome.problems) for outcome in outcomes]

    @bentoml.api(**_COUNTEROFFER_BATCHING)
    def counteroffer_batch(self, applications: list[str]) -> Answers:
        """Search the counteroffers of a merged batch; applications that cannot be searched get problems."""
        outcomes = counteroffers(self.scorer, [orjson.loads(text) for text in applications])
        self._observe("counteroffer", len(applications))
        return [Answer(problems=o.problems) if o.counteroffer is None
                else Answer(text=o.counteroffer.model_dump_json()) for o in outcomes]

    def _observe(self, endpoint: str, applications: int) -> None:
        VALIDATION_SECONDS.labels(endpoint=endpoint).observe(self.scorer.validator.last_seconds)
        BATCH_APPLICATIONS.labels(endpoint=endpoint).observe(applications)


@bentoml.service(name="credit_scoring_monitor", workers=1, traffic={"timeout": 300}, logging=_LOGGING)
class DriftMonitor:
    """Drift of the recorded traffic against the training reference, on demand and in the background.

    A process of its own, off the scoring path: building thousands of recorded inputs into features
    takes seconds of CPU, which in the entry service's process would hold the GIL against every
    request. Its gauges reach /metrics with the other services' metrics.
    """

    model_ref = bentoml.models.BentoModel(MODEL_TAG)

    def __init__(self) -> None:
        bundle = ModelBundle.load(_model_path(DriftMonitor, self.model_ref.path))
        # The entry service brings the store's schema up to date; this one only reads it.
        store = DecisionStore(create_store_engine(SETTINGS.database_url))
        self.monitor = Monitor(store, bundle.profile, model_version=bundle.version)
        if SETTINGS.monitoring and bundle.profile is not None:
            Refresher(self.monitor, publish, every_seconds=SETTINGS.monitoring_seconds).start()

    @bentoml.api
    def drift(self, last: int = DEFAULT_WINDOW, since: datetime | None = None) -> dict[str, Any]:
        """The drift of the model's `last` newest decisions (made since `since`), bins and shares included."""
        return self.monitor.drift(last=last, since=since).to_json()


#: Seconds the callers of an ended model-service call wait once it started the next (see `_forwarder`).
_HANDOFF_S = 0.003
#: Python's GIL switch interval in the entry service when it records decisions (Python's own: 5 ms).
_RECORDING_SWITCH_S = 0.0005


def _forwarder(scoring: ScoringModel, method: str,
               max_items: int) -> Callable[[list[str]], Awaitable[list[Answer]]]:
    """Return what sends applications to a model-service method: merged when batching is on.

    One call in flight per model worker: a second call to a busy worker would leave with the few
    requests that arrived meanwhile and wait there (32 clients, one worker: 444-451 requests/s with
    two calls in flight, 476-497 with one). The callers of an ended call are answered `_HANDOFF_S`
    after the next call left (`Coalescer`'s hand-off): answered first, their ~16 answers held the next
    call back 5-9 ms while the model service sat idle (~500 requests/s; 610-680 with the hand-off,
    1-5 ms all did). The method is looked up at each call: BentoML connects the dependency's client
    on first use.
    """
    async def send(applications: list[str]) -> list[Answer]:
        return await call_with_retry(getattr(scoring.to_async, method), applications)

    # Recorded, the answers of an ended call wait for their commit (2 ms or more) after the next call
    # started: a hand-off only delays them (32 clients: 538 and 561 requests/s without, 494 and 541 with).
    handoff = 0.0 if SETTINGS.recording else _HANDOFF_S
    return (Coalescer(send, max_items=max_items, max_in_flight=MODEL_WORKERS, handoff=handoff)
            if BATCHING else send)


def _problems(answers: Sequence[Answer]) -> list[Problem]:
    """Return the problems of a request's answers, each with the application's position."""
    return [problem.model_copy(update={"index": index})
            for index, answer in enumerate(answers) for problem in answer.problems]


def _count_rejected(path: str, count: int, fields: Sequence[str | None]) -> None:
    endpoint = path.strip("/")
    APPLICATIONS.labels(endpoint=endpoint, outcome="rejected").inc(count)
    count_fields(FIELD_REJECTIONS, endpoint, fields)


def _as_sent(applications: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return validated applications in the JSON text the model service takes (see `ScoringModel`).

    The request model gives plain dicts of checked values (bounded numbers, whole numbers as ints,
    known levels), so orjson writes them as json would. The body is never decoded a second time:
    that cost ~0.2 ms per request with history, and a value the request model ignores (an unknown
    top-level key) may be one pydantic reads and orjson does not (NaN).
    """
    return [orjson.dumps(application).decode() for application in applications]


def _with_decision_ids(answers: Sequence[Answer], records: Sequence[NewDecision]) -> list[str]:
    """Return each answer's JSON text with its decision id first (the model service's text as it is)."""
    return [f'{{"decision_id":"{record.decision_id}",{answer.text[1:]}'
            for answer, record in zip(answers, records, strict=True)]


def _store_unavailable(error: StoreUnavailableError) -> JSONResponse:
    body = ErrorBody(error=f"{error}; the decision store is unavailable, so no decision was given: try again "
                           "in a moment")
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": str(_RETRY_AFTER_S)})


#: Seconds a client is asked to wait before trying again when the decision store cannot be written.
_RETRY_AFTER_S = 5
_EXPLAIN_RECORDS = TypeAdapter(ExplainApplications)
_PREDICT_RECORDS = TypeAdapter(PredictApplications)
MODEL_APP = FastAPI(title="Model card")
STORE_APP = FastAPI(title="Decision records", docs_url=None, redoc_url=None, openapi_url=None)
STORE_APP.add_exception_handler(RequestValidationError, parameter_problems)
UI_APP = mount_ui(lambda: bentoml.get_current_service().advisor)


@bentoml.asgi_app(STORE_APP, path="/")
@bentoml.asgi_app(MODEL_APP, path="/model")
@bentoml.asgi_app(UI_APP, path="/ui")
@bentoml.service(name="credit_scoring", workers=1, traffic={"timeout": 60}, logging=_LOGGING, **_UNTRACED)
class CreditScoring:
    """Credit scoring of Home Credit applications: decisions, explanations, their records, the page."""

    model_ref = bentoml.models.BentoModel(MODEL_TAG)
    scoring = bentoml.depends(ScoringModel)
    monitor = bentoml.depends(DriftMonitor)

    def __init__(self) -> None:
        self.bundle = ModelBundle.load(_model_path(CreditScoring, self.model_ref.path),
                                       num_threads=LIGHTGBM_THREADS)
        self._predict = _forwarder(self.scoring, "predict_batch", PREDICT_MAX_BATCH)
        self._explain = _forwarder(self.scoring, "explain_batch", EXPLAIN_MAX_BATCH)
        engine = open_store(SETTINGS.database_url)
        self.writer = DecisionWriter(engine) if SETTINGS.recording else None
        if self.writer is not None:
            # The writer's thread takes the GIL back after each SQLite call; at Python's 5 ms interval it
            # waited that long for the busy event loop (32 clients: commits 3.3-3.6 ms under load instead
            # of 3.9-4.1, 591-626 requests/s instead of 564-579).
            sys.setswitchinterval(_RECORDING_SWITCH_S)
        self.decisions = DecisionLookup(DecisionStore(engine), Rescorer(loaded=(self.bundle,)))
        self.audit = Audit(engine)
        self.gate = Gate.of(engine, session_lifetime=timedelta(hours=SETTINGS.session_hours))
        self._counteroffer = _forwarder(self.scoring, "counteroffer_batch", COUNTEROFFER_MAX_BATCH)
        self.advisor = Advisor(scorer=self.explain_records, portfolio=_demo_portfolio(SETTINGS.demo_data),
                               model_info=ModelInfo.from_bundle(self.bundle),
                               ledger=StoreLedger(self.decisions, self.audit), drift=self.drift_for_page,
                               counteroffer=self.counteroffer_records, accounts=self.gate.accounts)
        tune_for_serving()

    @bentoml.api(route="/predict")
    async def predict(self, applications: PredictApplications,
                      ctx: bentoml.Context) -> list[RecordedPrediction]:
        """Decide on applications: probability of default, approved or refused, score in points.

        Each decision is recorded before it is answered; its ``decision_id`` finds it again
        (``GET /decisions/{decision_id}``). Invalid input is answered 422 (400 for a body that is not
        JSON) with ``{"error": ..., "problems": [{"index", "SK_ID_CURR", "field", "problem"}, ...]}``;
        503 when the decision store cannot be written (nothing is decided then).
        """
        return await self._decide("predict", self._predict, applications, ctx)

    @bentoml.api(route="/explain")
    async def explain(self, applications: ExplainApplications,
                      ctx: bentoml.Context) -> list[RecordedExplanation]:
        """Decide on applications and say why: every feature's contribution and plain-language reasons.

        Recorded, and invalid input answered, as by /predict.
        """
        return await self._decide("explain", self._explain, applications, ctx)

    async def _decide(self, endpoint: str, forward: Callable[[list[str]], Awaitable[list[Answer]]],
                      applications: Sequence[Mapping[str, Any]], ctx: bentoml.Context) -> Response:
        """Score the applications, record the decisions, then answer them; or answer why not.

        The answers' JSON texts are written out as the model service made them (see `Answer`), so the
        return type of the API serves its documentation only. BentoML gives the response the status
        of `ctx`, whatever the response's own.
        """
        sent = _as_sent(applications)
        stored = self.writer.prepare(sent) if self.writer is not None else None
        answers = await forward(sent)
        problems = _problems(answers)
        if problems:
            _count_rejected(endpoint, len(answers), [problem.field for problem in problems])
            ctx.response.status_code = 422
            return error_response(problems, status_code=422)
        records = new_decisions(sent, [answer.outcome for answer in answers], endpoint=endpoint, origin="api",
                                caller=request_caller(ctx.request.scope),
                                stored_inputs=await stored if stored is not None else None)
        try:
            await self._record(records)
        except StoreUnavailableError as error:
            ctx.response.status_code = 503
            return _store_unavailable(error)
        for decision in ("approved", "refused"):
            APPLICATIONS.labels(endpoint=endpoint, outcome=decision).inc(
                sum(answer.decision == decision for answer in answers))
        count_fields(FIELD_WARNINGS, endpoint, [w["field"] for a in answers for w in a.outcome["warnings"]])
        return Response("[" + ",".join(_with_decision_ids(answers, records)) + "]",
                        media_type="application/json")

    async def _record(self, records: Sequence[NewDecision]) -> None:
        if self.writer is not None:
            await self.writer.record(records)

    @bentoml.api(route="/counteroffer")
    async def counteroffer(self, applications: PredictApplications,
                           ctx: bentoml.Context) -> list[Counteroffer]:
        """What can be lent instead: for a refused application, the largest credit approved on the terms
        asked and the annuities approved for the amount asked; for an approved one, the headroom.

        Only AMT_CREDIT, AMT_ANNUITY and AMT_GOODS_PRICE change; each offer lists its changes, and
        /predict on the application with them gives the offer's answer. AMT_CREDIT and AMT_ANNUITY are
        required. Invalid input is answered as by /predict. A counteroffer decides nothing: it is never
        recorded as a decision (the decision is /predict's, on the loan the client takes).
        """
        answers = await self._counteroffer(_as_sent(applications))
        problems = _problems(answers)
        if problems:
            _count_rejected("counteroffer", len(answers), [problem.field for problem in problems])
            ctx.response.status_code = 422
            return error_response(problems, status_code=422)
        APPLICATIONS.labels(endpoint="counteroffer", outcome="searched").inc(len(answers))
        return Response("[" + ",".join(answer.text for answer in answers) + "]",
                        media_type="application/json")

    @MODEL_APP.get("/card", response_model=ModelCard)
    def model_card(self) -> ModelCard:
        """The figures of the model in service: version, metrics, threshold, costs, feature count."""
        bundle = self.bundle
        return ModelCard(version=bundle.version, threshold=bundle.threshold,
                         cost_false_negative=bundle.cost_false_negative,
                         cost_false_positive=bundle.cost_false_positive,
                         feature_count=len(bundle.feature_names), metrics=bundle.metrics,
                         model_card=bundle.model_card)

    @STORE_APP.get("/decisions/{decision_id}", response_model=DecisionView, responses={
        404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
    def decision(self, decision_id: uuid.UUID, request: Request) -> DecisionView | JSONResponse:
        """One recorded decision: what was decided, by which model, on which input, and why.

        The reasons of a /predict decision are computed from the stored input by the recorded model
        version: the notice an advisor hands to a refused client. The read is audited first.
        """
        try:
            view = self.decisions.view(decision_id)
        except ModelVersionMissingError as error:
            return _error(409, f"decision {decision_id}: {error}")
        if view is None:
            return _error(404, f"no decision {decision_id} in the decision store")
        return self._audited(request, view.SK_ID_CURR, "api:decision",
                             "decision record with its input and reasons", view)

    @STORE_APP.get("/decisions", response_model=DecisionPage,
                   responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
    def client_decisions(self, request: Request, sk_id_curr: Annotated[int, Query(ge=0, le=MAX_WHOLE_NUMBER)],
                         limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
                         offset: Annotated[int, Query(ge=0, le=MAX_WHOLE_NUMBER)] = 0) -> DecisionPage:
        """A client's decisions, newest first, `limit` at a time. The read is audited first."""
        page = self.decisions.page(sk_id_curr, limit=limit, offset=offset)
        return self._audited(request, sk_id_curr, "api:decisions",
                             f"{len(page.decisions)} decision summaries of {page.total}", page)

    @STORE_APP.get("/monitoring/drift", response_model=DriftAnswer, response_model_exclude_unset=True,
                   responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
    async def drift(self, last: Annotated[int, Query(ge=1, le=MAX_WINDOW)] = DEFAULT_WINDOW,
                    since: datetime | None = None) -> dict[str, Any] | JSONResponse:
        """The drift of the `last` newest decisions of the model in service (made since `since`, an ISO
        time), against its training reference: PSI per profiled feature and of the probability, with a
        status (stable, watch, drifted), and the approval rate now and in training. Fewer than 500
        decisions get the count and no verdict."""
        if self.bundle.profile is None:
            return _error(409, f"model {self.bundle.version} was saved without a reference profile; train it "
                               "again with this version of `python -m train` to monitor its drift")
        found = await self.monitor.to_async.drift(last=last, since=_utc(since))
        return Drift.from_json(found).answer()

    def drift_for_page(self, last: int) -> Drift:
        """The drift of the `last` newest decisions, for the page's monitoring tab (from a thread)."""
        if self.bundle.profile is None:
            raise LookupError(f"model {self.bundle.version} was saved without a reference profile")
        found = anyio.from_thread.run(functools.partial(self.monitor.to_async.drift, last=last))
        return Drift.from_json(found)

    def _audited(self, request: Request, sk_id_curr: int, action: str, shown: str,
                 answer: DecisionView | DecisionPage) -> DecisionView | DecisionPage | JSONResponse:
        """Return `answer` once its read is on record; a read that cannot be recorded is not answered."""
        try:
            self.audit.record(Read(request_caller(request.scope), "api-key", sk_id_curr, action, shown))
        except SQLAlchemyError:
            return _error(503, "the audit of reads cannot be written, so nothing is shown: try again in a "
                               "moment")
        return answer

    def explain_records(self, records: Sequence[Mapping[str, Any]], *, origin: Origin,
                        caller: str) -> list[dict[str, Any]]:
        """Explain raw application records in-process and record the decisions, for the advisor page.

        Batched with the API's requests; each item carries its ``decision_id``.

        Raises
        ------
        pydantic.ValidationError
            If a record breaks the request model (a ValueError naming the field).
        RejectedApplicationsError
            If a record breaks the model's expectations (a ValueError naming the field).
        StoreUnavailableError
            If the decision store cannot be written: nothing is decided.
        """
        applications = _EXPLAIN_RECORDS.validate_python(list(records))
        sent = _as_sent(applications)
        answers = anyio.from_thread.run(self._explain, sent)
        problems = _problems(answers)
        if problems:
            raise RejectedApplicationsError(problems)
        decided = new_decisions(sent, [answer.outcome for answer in answers], endpoint="explain",
                                origin=origin, caller=caller)
        anyio.from_thread.run(self._record, decided)
        return [orjson.loads(text) for text in _with_decision_ids(answers, decided)]

    def counteroffer_records(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Search the counteroffers of raw application records in-process, for the advisor page.

        Raises
        ------
        pydantic.ValidationError, RejectedApplicationsError
            As `explain_records`.
        """
        applications = _PREDICT_RECORDS.validate_python(list(records))
        return _texts(anyio.from_thread.run(self._counteroffer, _as_sent(applications)))


def _utc(when: datetime | None) -> datetime | None:
    """A time as given, in UTC when it names no zone."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _error(status_code: int, message: str) -> JSONResponse:
    return JSONResponse(ErrorBody(error=message).model_dump(), status_code=status_code)


def _texts(answers: Sequence[Answer]) -> list[dict[str, Any]]:
    """Return the answers as JSON values, or raise `RejectedApplicationsError` with their problems."""
    problems = _problems(answers)
    if problems:
        raise RejectedApplicationsError(problems)
    return [orjson.loads(answer.text) for answer in answers]


def _demo_portfolio(folder: Path) -> Portfolio:
    """Return the page's demo clients from `folder`, or none when it holds none (the page still works)."""
    try:
        return Portfolio.from_folder(folder)
    except ValueError as error:  # no folder, no application_test file, or a file that breaks the schema
        logger.warning("no demo clients from %s (CREDIT_SCORING_DEMO_DATA): %s; the page scores typed-in "
                       "applications only (`make data` writes the demo data)", folder, error)
    empty = cast_to_schema(pd.DataFrame({"SK_ID_CURR": []}), table("application_test"))
    return Portfolio({"application_test": empty})


# Outermost first: a request without the key is refused before its body is read; a body too large or
# too slow is refused before BentoML parses it; a body BentoML rejects is answered in the API's shape.
_API_KEYS = SETTINGS.named_api_keys() | (
    {"default": api_key_digest(SETTINGS.api_key.get_secret_value())} if SETTINGS.api_key else {})
if _API_KEYS:
    CreditScoring.add_asgi_middleware(
        ApiKeyMiddleware, keys=_API_KEYS,
        protected=("/predict", "/explain", "/counteroffer", "/model/card", "/decisions", "/monitoring"))
CreditScoring.add_asgi_middleware(SignInRequired, prefix="/ui",
                                  gate=lambda: bentoml.get_current_service().gate,
                                  frame_ancestors=SETTINGS.frame_ancestors)
CreditScoring.add_asgi_middleware(BodyLimits)
CreditScoring.add_asgi_middleware(ProblemResponses, bodies={"/predict": PredictBody, "/explain": ExplainBody,
                                                            "/counteroffer": PredictBody},
                                  on_rejected=_count_rejected)
