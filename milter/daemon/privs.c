/*
 * privs - privilege drop (see privs.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "daemon/privs.h"

int privs_drop(const char *user, const char *group)
{
	struct passwd *pw;
	gid_t gid;

	if (!user)
		return 0;
	if (!(pw = getpwnam(user))) {
		log_err("user %s does not exist", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			log_err("group %s does not exist", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return 0;
		log_err("cannot switch to user %s: not running as root", user);
		return -1;
	}
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		log_err("cannot switch to user %s: %s", user, strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_err("privilege drop to %s did not stick", user);
		return -1;
	}
	return 0;
}
