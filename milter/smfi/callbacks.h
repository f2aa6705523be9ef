/*
 * callbacks - the libmilter callback table: translates milter events into
 * calls on common/ (policy/decide) and verdicts into milter replies.
 */
#ifndef TP_CALLBACKS_H
#define TP_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description for smfi_register(). */
extern struct smfiDesc callbacks_desc;

#endif
