/*
 * privs - give up root: the one place the daemon changes its identity.
 */
#ifndef TP_PRIVS_H
#define TP_PRIVS_H

/*
 * privs_drop - switch to user (and group, or the user's primary group):
 * setgroups, then setresgid, then setresuid, each checked, then verify that
 * root cannot be regained.  user NULL: nothing to do (returns 0).  Returns 0,
 * or -1 after logging why.
 */
int privs_drop(const char *user, const char *group);

#endif
