"""The deployments walkthrough, async, on DataRobot's current path: register → deploy a
registered model version → predict → validate and replace by version → drift → delete.

It registers models, creates, replaces and deletes a deployment, so by default it runs
against the embedded emulator (started here, on 127.0.0.1), even when DATAROBOT_ENDPOINT
is set in the shell. Only ``--real`` makes it use the DataRobot that
DATAROBOT_ENDPOINT/DATAROBOT_API_TOKEN (or drconfig.yaml) name:

    python examples/quickstart.py            # the embedded emulator
    python examples/quickstart.py --real     # your DataRobot: it creates and deletes there
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
from collections.abc import AsyncIterator

from aiodeploy import MODEL_REPLACEMENT_REASON, AsyncDeploymentClient, NotFoundError


@contextlib.asynccontextmanager
async def open_client(real: bool) -> AsyncIterator[AsyncDeploymentClient]:
    if real:
        async with AsyncDeploymentClient() as client:
            print(f"0. using the real DataRobot at {client.endpoint} (--real)")
            yield client
        return
    from aiodeploy.emulator import Emulator

    async with Emulator(replacement_seconds=1.0) as emu:
        print(f"0. started the embedded emulator at {emu.endpoint} (--real to use DataRobot)")
        async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
            yield client


async def main(real: bool = False) -> int:
    async with open_client(real) as client:
        projects = await client.list_projects()
        project = projects[0]
        models = await client.list_models(project.id)
        names = ", ".join(m.model_type or m.id for m in models[:2])
        print(f"1. project {project.project_name!r} ({project.target_type}), "
              f"{len(models)} models: {names}, ...")  # fmt: skip

        # Register the best model as version 1 of a new registered model (waits for its build).
        registered_name = f"quickstart {project.project_name} {secrets.token_hex(2)}"
        v1 = await client.create_registered_model_version_from_leaderboard(
            models[0].id, registered_model_name=registered_name
        )
        assert v1.registered_model_id is not None
        print(f"2. registered {v1.name!r} as version {v1.registered_model_version} "
              f"of {registered_name!r} (version id {v1.id})")  # fmt: skip

        environments = await client.list_prediction_environments()
        environment = next(e for e in environments if e.platform == "datarobot")
        dep = await client.create_deployment_from_registered_model_version(
            v1.id,
            label="quickstart deployment",
            description="created by examples/quickstart.py",
            prediction_environment_id=environment.id,
        )
        print(f"3. deployed version {v1.registered_model_version} as {dep.id} "
              f"in {environment.name!r}")  # fmt: skip

        features = await client.get_features(dep)
        row = {f.name: 1 if f.feature_type == "Numeric" else "A" for f in features}
        predictions = await client.predict(dep, [row, row])
        print(f"4. predicted 2 rows: {[p.prediction for p in predictions]}")

        # Version 2 of the same registered model: a challenger to validate, then roll out.
        candidates = []
        for model in models[1:]:
            version = await client.create_registered_model_version_from_leaderboard(
                model.id, registered_model_id=v1.registered_model_id
            )
            status, message, checks = await client.validate_replacement_model(
                dep, new_registered_model_version_id=version.id
            )
            failing = [name for name, check in checks.items() if check.status == "failing"]
            print(f"5. version {version.registered_model_version} ({model.model_type}): "
                  f"{status} ({message}) failing: {failing or '-'}")  # fmt: skip
            if status == "passing":
                candidates.append(version)
            if len(candidates) == 1:
                break
        if not candidates:
            print("no version can replace the current one", file=sys.stderr)
            return 1
        # A version of a model trained on another target is refused, with the checks named.
        other = (await client.list_models(projects[1].id))[0]
        foreign = await client.create_registered_model_version_from_leaderboard(
            other.id, registered_model_name=f"{registered_name} ({projects[1].project_name})"
        )
        status, _, checks = await client.validate_replacement_model(
            dep, new_registered_model_version_id=foreign.id
        )
        failing = [name for name, check in checks.items() if check.status == "failing"]
        print(f"5. a {projects[1].project_name!r} version: {status}, failing: {failing}")

        dep = await client.perform_model_replace(
            dep, candidates[0].id, MODEL_REPLACEMENT_REASON.ACCURACY
        )
        champion = await client.get_champion_model_package(dep)
        serving = dep.model.type if dep.model else "?"
        print(f"6. replaced with no interruption: now serving version "
              f"{champion.registered_model_version} ({serving})")  # fmt: skip

        stats = await client.get_service_stats(dep)
        print(f"7. service stats: {stats.metrics.total_predictions} predictions, "
              f"{stats.metrics.server_error_rate:.0%} server errors")  # fmt: skip

        drift = await client.get_drift_tracking_settings(dep)
        drift = await client.update_drift_tracking_settings(
            dep,
            target_drift_enabled=not drift.target_drift.enabled,
            feature_drift_enabled=not drift.feature_drift.enabled,
        )
        print(f"8. drift tracking now: target {drift.target_drift.enabled}, "
              f"feature {drift.feature_drift.enabled}")  # fmt: skip

        await client.delete_deployment(dep)
        try:
            await client.get_deployment(dep.id)
        except NotFoundError:
            print(f"9. deleted {dep.id}: it now answers 404")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--real", action="store_true", help="use the DataRobot of DATAROBOT_ENDPOINT"
    )
    sys.exit(asyncio.run(main(parser.parse_args().real)))
