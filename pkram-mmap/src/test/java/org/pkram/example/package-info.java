/**
 * An example service built on pkram, run by {@link org.pkram.example.KvServiceIT}: a small HTTP key-value cache
 * ({@link org.pkram.example.KvService}) whose index and values live in pkram memory as an append-only log of
 * folios, committed by replacing a small root node ({@link org.pkram.example.PkramKvStore}), with a baseline of
 * the same service that keeps its values in the heap and checkpoints to a snapshot file
 * ({@link org.pkram.example.SnapshotKvStore}).
 */
package org.pkram.example;
