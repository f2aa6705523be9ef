/*
 * callbacks - the libmilter binding: the callback table for smfi_register()
 * and the mctx operations (mctx.h) on a libmilter SMFICTX.  Each callback
 * runs the matching handle_* step (handle.h) with those operations.
 */
#ifndef TP_CALLBACKS_H
#define TP_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description for smfi_register(). */
extern struct smfiDesc callbacks_desc;

#endif
