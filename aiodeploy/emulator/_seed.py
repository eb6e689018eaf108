"""Deterministic seed data: projects, Leaderboard models, prediction servers."""

from __future__ import annotations

import dataclasses
import uuid

from ._records import (
    ModelRecord,
    PredictionServerRecord,
    ProjectRecord,
    format_timestamp,
    object_id,
)

__all__ = ["SEED_EPOCH", "SeedData", "build_catalog"]

SEED_EPOCH = 1_705_309_200.0
"""2024-01-15T09:00:00Z: seed projects and deployments are dated from here."""

# (model type, family, seed role, features kept: the champion's when empty). Models of one
# project share its feature types: what tells them apart is their feature lists, and a
# refused replacement comes from what really differs (target, target type, classes).
_ModelSpec = tuple[str, str, str, tuple[str, ...]]


@dataclasses.dataclass(frozen=True)
class _ProjectSpec:
    name: str
    file_name: str
    target: str
    target_type: str
    metric: str
    classes: tuple[str, ...]
    positive_class: str | None
    description: str
    label_prefix: str
    features: dict[str, str]
    champion_features: tuple[str, ...]
    models: tuple[_ModelSpec, ...]
    time_series: bool = False


# fmt: off
_PROJECTS = (
    _ProjectSpec(
        "Loan defaults", "lending_club.csv", "is_bad", "Binary", "LogLoss", ("0", "1"), "1",
        "Scores credit applications for default risk", "credit-risk",
        {"loan_amnt": "Numeric", "annual_inc": "Numeric", "int_rate": "Percentage",
         "grade": "Categorical", "purpose": "Categorical", "emp_length": "Categorical",
         "home_ownership": "Categorical", "desc": "Text"},
        ("loan_amnt", "annual_inc", "int_rate", "grade", "purpose"),
        (("eXtreme Gradient Boosted Trees Classifier", "GBM", "champion", ()),
         ("Light Gradient Boosted Trees Classifier with Early Stopping", "GBM", "compatible",
          ()),
         ("Regularized Logistic Regression (L2)", "GLM", "compatible",
          ("loan_amnt", "annual_inc", "grade")),
         ("RandomForest Classifier (Gini)", "RF", "extra-features",
          ("loan_amnt", "annual_inc", "int_rate", "grade", "purpose", "emp_length",
           "home_ownership")),
         ("Keras Slim Residual Neural Network Classifier", "NN", "compatible",
          ("loan_amnt", "annual_inc", "int_rate", "grade"))),
    ),
    _ProjectSpec(
        "Customer churn", "telco_customers.csv", "churn", "Binary", "AUC", ("no", "yes"), "yes",
        "Flags subscribers likely to churn next month", "churn",
        {"tenure": "Numeric", "monthly_charges": "Numeric", "total_charges": "Numeric",
         "contract": "Categorical", "payment_method": "Categorical",
         "internet_service": "Categorical", "support_calls": "Numeric", "signup_date": "Date"},
        ("tenure", "monthly_charges", "contract", "payment_method"),
        (("Light Gradient Boosted Trees Classifier", "GBM", "champion", ()),
         ("Elastic-Net Classifier (L2 / Binomial Deviance)", "GLM", "compatible",
          ("tenure", "monthly_charges", "contract")),
         ("Generalized Additive2 Model", "GA2M", "compatible", ()),
         ("eXtreme Gradient Boosted Trees Classifier with Early Stopping", "GBM",
          "extra-features",
          ("tenure", "monthly_charges", "contract", "payment_method", "internet_service",
           "support_calls")),
         ("Support Vector Classifier (Radial Kernel)", "SVM", "compatible",
          ("tenure", "contract", "payment_method"))),
    ),
    _ProjectSpec(
        "House prices", "home_sales.csv", "price", "Regression", "RMSE", (), None,
        "Estimates residential sale prices", "house-price",
        {"sqft": "Numeric", "bedrooms": "Numeric", "bathrooms": "Numeric",
         "zipcode": "Categorical", "year_built": "Numeric", "lot_size": "Numeric",
         "listing_text": "Text", "sold_date": "Date"},
        ("sqft", "bedrooms", "bathrooms", "zipcode"),
        (("eXtreme Gradient Boosted Trees Regressor", "GBM", "champion", ()),
         ("Ridge Regressor", "GLM", "compatible", ("sqft", "bedrooms", "zipcode")),
         ("RandomForest Regressor", "RF", "compatible", ()),
         ("Light Gradient Boosting on ElasticNet Predictions", "GBM", "extra-features",
          ("sqft", "bedrooms", "bathrooms", "zipcode", "year_built", "lot_size")),
         ("Keras Residual AutoInt Regressor", "NN", "compatible",
          ("sqft", "bathrooms", "zipcode"))),
    ),
    _ProjectSpec(
        "Iris species", "iris.csv", "species", "Multiclass", "LogLoss",
        ("setosa", "versicolor", "virginica"), None,
        "Classifies iris flowers by species", "iris",
        {"sepal_length": "Numeric", "sepal_width": "Numeric", "petal_length": "Numeric",
         "petal_width": "Numeric", "region": "Categorical", "collector_notes": "Text"},
        ("sepal_length", "sepal_width", "petal_length", "petal_width"),
        (("Light Gradient Boosted Trees Classifier", "GBM", "champion", ()),
         ("Nystroem Kernel SVM Classifier", "SVM", "compatible",
          ("petal_length", "petal_width")),
         ("Regularized Logistic Regression (L2)", "GLM", "compatible", ()),
         ("RandomForest Classifier (Entropy)", "RF", "extra-features",
          ("sepal_length", "sepal_width", "petal_length", "petal_width", "region")),
         ("Keras Neural Network Classifier", "NN", "compatible",
          ("sepal_length", "petal_length", "petal_width"))),
    ),
    # Last, and given no seed deployment: the projects above keep their seed deployments.
    _ProjectSpec(
        "Store sales forecast", "store_sales.csv", "sales", "Regression", "RMSE", (), None,
        "Forecasts daily sales per store", "sales-forecast",
        {"date": "Date", "store": "Categorical", "sales (actual)": "Numeric",
         "promotion": "Categorical", "holiday": "Categorical", "temperature": "Numeric"},
        ("date", "store", "promotion", "holiday"),
        (("eXtreme Gradient Boosted Trees Regressor with Early Stopping (Time Series)", "GBM",
          "champion", ()),
         ("Ridge Regressor (Time Series)", "GLM", "compatible", ("date", "store", "promotion")),
         ("Light Gradient Boosted Trees Regressor (Time Series)", "GBM", "compatible", ()),
         ("RandomForest Regressor (Time Series)", "RF", "extra-features",
          ("date", "store", "promotion", "holiday", "temperature")),
         ("Keras Slim Residual Network Regressor (Time Series)", "NN", "compatible",
          ("date", "store", "holiday"))),
        time_series=True,
    ),
)
# fmt: on
_DATED_FROM = 4  # projects are dated one day apart before SEED_EPOCH, as when there were 4

_PROCESSES = {
    "GBM": ("Missing Values Imputed", "Ordinal encoding of categorical variables"),
    "GLM": ("One-Hot Encoding", "Missing Values Imputed", "Standardize"),
    "RF": ("Missing Values Imputed", "Ordinal encoding of categorical variables"),
    "NN": ("One-Hot Encoding", "Standardize", "Text embeddings"),
    "SVM": ("One-Hot Encoding", "Standardize"),
    "GA2M": ("Binning of numerical variables", "Pairwise interactions"),
}


@dataclasses.dataclass(frozen=True)
class SeedData:
    """The read-only catalog made from the seed.

    Attributes:
        projects: Five projects: ``Loan defaults`` (Binary, ``is_bad``), ``Customer churn``
            (Binary, ``churn``), ``House prices`` (Regression, ``price``), ``Iris
            species`` (Multiclass, ``species``) and ``Store sales forecast`` (a time-series
            Regression on ``sales``, with no seed deployment).
        models: Five models per project, tagged by ``seed_role``: one ``champion``, three
            ``compatible``, one ``extra-features``; each has its registered model version
            (``package_id``) in the seed registry.
        prediction_servers: Two prediction servers, each serving a DataRobot prediction
            environment (``environment_id``).
    """

    projects: tuple[ProjectRecord, ...]
    models: tuple[ModelRecord, ...]
    prediction_servers: tuple[PredictionServerRecord, ...]

    def project(self, project_id: str) -> ProjectRecord | None:
        """Return the project with this id, or None."""
        return next((p for p in self.projects if p.id == project_id), None)

    def model(self, model_id: str) -> ModelRecord | None:
        """Return the model with this id, or None."""
        return next((m for m in self.models if m.id == model_id), None)

    def models_of(self, project_id: str) -> list[ModelRecord]:
        """Return a project's models in Leaderboard order (model number)."""
        return [m for m in self.models if m.project_id == project_id]

    def seeded_projects(self) -> list[ProjectRecord]:
        """Return the projects seed deployments are spread over (not the time-series one)."""
        return [p for p in self.projects if not p.time_series]

    def champion(self, project_id: str) -> ModelRecord:
        """Return the model new seed deployments of the project serve."""
        return next(m for m in self.models_of(project_id) if m.seed_role == "champion")


def build_catalog(seed: int) -> SeedData:
    """Build the projects, models and prediction servers for a seed (ids depend on it)."""
    projects: list[ProjectRecord] = []
    models: list[ModelRecord] = []
    for p_index, spec in enumerate(_PROJECTS):
        project_id = object_id(seed, "project", p_index)
        projects.append(
            ProjectRecord(
                id=project_id,
                name=spec.name,
                file_name=spec.file_name,
                target=spec.target,
                target_type=spec.target_type,
                metric=spec.metric,
                classes=spec.classes,
                positive_class=spec.positive_class,
                created=format_timestamp(SEED_EPOCH - 86_400 * (_DATED_FROM - p_index)),
                description=spec.description,
                label_prefix=spec.label_prefix,
                time_series=spec.time_series,
            )
        )
        for m_index, (model_type, family, role, kept) in enumerate(spec.models):
            names = kept or spec.champion_features
            number = p_index * 10 + m_index
            models.append(
                ModelRecord(
                    id=object_id(seed, "model", number),
                    project_id=project_id,
                    model_type=model_type,
                    model_family=family,
                    model_number=m_index + 1,
                    blueprint_id=object_id(seed, "blueprint", number).ljust(32, "0"),
                    featurelist_id=object_id(seed, "featurelist", number),
                    featurelist_name="Informative Features" if not kept else f"M{m_index + 1}",
                    features={name: spec.features[name] for name in names},
                    processes=_PROCESSES[family],
                    metric_value=round(0.2 + 0.037 * ((seed + number) % 7) + 0.01 * m_index, 5),
                    seed_role=role,
                    package_id=object_id(seed, "model-package", number),
                )
            )
    servers = tuple(
        PredictionServerRecord(
            id=object_id(seed, "prediction-server", index),
            url=f"https://{region}.prediction.emulator.invalid",
            datarobot_key=str(
                uuid.UUID(object_id(seed, "key", index) + object_id(seed, "key", -index)[:8])
            ),
            environment_id=object_id(seed, "prediction-environment", index),
        )
        for index, region in enumerate(("us-east", "eu-west"))
    )
    return SeedData(tuple(projects), tuple(models), servers)
