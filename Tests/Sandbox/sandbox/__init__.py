"""Local Teleport sandbox (web API, SSH proxy, agentless sshd nodes) for tests."""
