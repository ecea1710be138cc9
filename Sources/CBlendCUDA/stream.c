/* Streams and events. */
#include "internal.h"

enum { STREAM_NON_BLOCKING = 0x1, EVENT_DISABLE_TIMING = 0x2 };

int bcu_stream_create(const bcu_driver *driver, bcu_stream *stream) {
    int status = bcu_require(driver, "cuStreamCreate");
    return status ? status : bcu_check(driver, "cuStreamCreate", driver->cuStreamCreate(stream, STREAM_NON_BLOCKING));
}

int bcu_stream_destroy(const bcu_driver *driver, bcu_stream stream) {
    int status = bcu_require(driver, "cuStreamDestroy_v2");
    return status ? status : bcu_check(driver, "cuStreamDestroy_v2", driver->cuStreamDestroy_v2(stream));
}

int bcu_stream_synchronize(const bcu_driver *driver, bcu_stream stream) {
    int status = bcu_require(driver, "cuStreamSynchronize");
    return status ? status : bcu_check(driver, "cuStreamSynchronize", driver->cuStreamSynchronize(stream));
}

int bcu_stream_wait_event(const bcu_driver *driver, bcu_stream stream, bcu_event event) {
    int status = bcu_require(driver, "cuStreamWaitEvent");
    return status ? status : bcu_check(driver, "cuStreamWaitEvent", driver->cuStreamWaitEvent(stream, event, 0));
}

int bcu_event_create(const bcu_driver *driver, int timing, bcu_event *event) {
    int status = bcu_require(driver, "cuEventCreate");
    if (status) return status;
    return bcu_check(driver, "cuEventCreate", driver->cuEventCreate(event, timing ? 0 : EVENT_DISABLE_TIMING));
}

int bcu_event_destroy(const bcu_driver *driver, bcu_event event) {
    int status = bcu_require(driver, "cuEventDestroy_v2");
    return status ? status : bcu_check(driver, "cuEventDestroy_v2", driver->cuEventDestroy_v2(event));
}

int bcu_event_record(const bcu_driver *driver, bcu_event event, bcu_stream stream) {
    int status = bcu_require(driver, "cuEventRecord");
    return status ? status : bcu_check(driver, "cuEventRecord", driver->cuEventRecord(event, stream));
}

int bcu_event_synchronize(const bcu_driver *driver, bcu_event event) {
    int status = bcu_require(driver, "cuEventSynchronize");
    return status ? status : bcu_check(driver, "cuEventSynchronize", driver->cuEventSynchronize(event));
}

int bcu_event_elapsed(const bcu_driver *driver, bcu_event start, bcu_event end, float *milliseconds) {
    int status = bcu_require(driver, "cuEventElapsedTime");
    return status ? status : bcu_check(driver, "cuEventElapsedTime", driver->cuEventElapsedTime(milliseconds, start, end));
}
