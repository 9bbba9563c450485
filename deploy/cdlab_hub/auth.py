"""CdlabPAMAuthenticator: JupyterHub's PAMAuthenticator, letting in the students' group *and* the listed users.

JupyterHub 3.0's LocalAuthenticator ignores `allowed_users` as soon as `allowed_groups` is set (4.0 takes either),
so the instructor, who is not in the students' group, could not log in. This restores "group or listed user"."""
from jupyterhub.auth import PAMAuthenticator


class CdlabPAMAuthenticator(PAMAuthenticator):
    def check_allowed(self, username, authentication=None):
        return self.check_allowed_groups(username, authentication) or username in self.allowed_users
