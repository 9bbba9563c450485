"""cdlab's course server on JupyterHub: the spawner (limits, isolation, cleanup),
the notebook sync run as each student, and the instructor's release/collect/grade tool."""
