/**
 * What a service needs around a booted pkram, apart from pkram itself: for now
 * {@link org.pkram.service.SdNotify}, systemd's notification protocol ({@code READY=1}, {@code STOPPING=1}, the
 * memory file's descriptor handed to the file descriptor store) spoken without libsystemd; more of the service
 * side of a handover will come here.
 * <p>
 * Threading: every class is safe for use from any thread. Depends on {@code org.pkram.error} only.
 */
package org.pkram.service;
