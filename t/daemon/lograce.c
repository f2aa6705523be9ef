/*
 * lograce - the reload thread sets the log level while workers log (issue 9,
 * defect 9).  Built with -fsanitize=thread by t/daemon/lograce.sh together
 * with common/util/log.c: ThreadSanitizer must report nothing.
 */
#include <pthread.h>
#include <stdio.h>

#include "util/log.h"

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		log_debug("worker line %d", i);
		log_info("worker line %d", i);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];

	log_stderr_only();
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2000; i++)     /* as reload() does */
		log_set_level(i % 2 ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("done\n");
	return 0;
}
