"""Tests of the embedded DataRobot-compatible server (``aiodeploy.emulator``)."""
