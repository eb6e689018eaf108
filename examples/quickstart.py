"""The deployments walkthrough, async: project → models → deploy → validate → replace → drift.

It creates, replaces and deletes a deployment, so by default it runs against the embedded
emulator (started here, on 127.0.0.1), even when DATAROBOT_ENDPOINT is set in the shell.
Only ``--real`` makes it use the DataRobot that DATAROBOT_ENDPOINT/DATAROBOT_API_TOKEN (or
drconfig.yaml) name:

    python examples/quickstart.py            # the embedded emulator
    python examples/quickstart.py --real     # your DataRobot: it creates and deletes there
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
        project = await client.get_project(projects[0].id)
        print(f"1. project {project.project_name!r}: {project.target_type}, {project.target!r}")

        models = await client.list_models(project.id)
        print(f"2. {len(models)} models: " + ", ".join(m.model_type or m.id for m in models[:4]))

        servers = await client.list_prediction_servers()
        print(f"3. prediction server {servers[0].url} (key {servers[0].datarobot_key})")

        dep = await client.create_deployment_from_learning_model(
            models[0].id,
            label="quickstart deployment",
            description="created by examples/quickstart.py",
            default_prediction_server_id=servers[0].id,
        )
        print(f"4. created deployment {dep.id} serving {dep.model.type if dep.model else '?'}")

        listed = await client.list_deployments(search="quickstart")
        print(f"5. listed {len(listed)} deployment(s) matching 'quickstart'")

        dep = await client.get_deployment(dep.id)
        health = dep.service_health.status if dep.service_health else None
        print(f"6. got {dep.label!r}: status {dep.status}, service health {health}")

        candidate = None
        for model in models[1:]:
            status, message, checks = await client.validate_replacement_model(dep, model.id)
            failing = [name for name, check in checks.items() if check.status == "failing"]
            print(f"7. validate {model.model_type}: {status} ({message}) failing: {failing or '-'}")
            if status in ("passing", "warning") and candidate is None:
                candidate = model
        if candidate is None:
            print("no model can replace the current one", file=sys.stderr)
            return 1

        dep = await client.replace_model(dep, candidate.id, MODEL_REPLACEMENT_REASON.ACCURACY)
        print(f"8. replaced: now serving {dep.model.type if dep.model else '?'}")

        drift = await client.get_drift_tracking_settings(dep)
        print(f"9. drift tracking: target {drift.target_drift.enabled}, "
              f"feature {drift.feature_drift.enabled}")  # fmt: skip
        drift = await client.update_drift_tracking_settings(
            dep,
            target_drift_enabled=not drift.target_drift.enabled,
            feature_drift_enabled=not drift.feature_drift.enabled,
        )
        print(f"10. updated drift tracking: target {drift.target_drift.enabled}, "
              f"feature {drift.feature_drift.enabled}")  # fmt: skip

        await client.delete_deployment(dep)
        try:
            await client.get_deployment(dep.id)
        except NotFoundError:
            print(f"11. deleted {dep.id}: it now answers 404")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--real", action="store_true", help="use the DataRobot of DATAROBOT_ENDPOINT"
    )
    sys.exit(asyncio.run(main(parser.parse_args().real)))
