package org.pkram.boot;

import java.util.List;

/**
 * What a walk of a preserved image found.
 *
 * @param superBlockPfn the super block walked.
 * @param state         its pkram state ({@code SuperBlockDescriptor.STATE_*}); NONE for an all-zero page.
 * @param generation    the boot generation recorded in it.
 * @param nodes         the chained nodes, in chain order.
 * @param pages         every preserved page: super block, nodes, objs, links, data, regions list.
 * @param regionListPfns the regions list pages, in list order (empty when there is none).
 * @param regions       the regions read from the list, as {@code {startPfn, endPfnExclusive}}.
 * @param regionListPfn the head of the regions list, 0 when none.
 */
public record ScanResult(
    long superBlockPfn,
    int state,
    long generation,
    List<NodeEntry> nodes,
    PageBitmap pages,
    long[] regionListPfns,
    List<long[]> regions,
    long regionListPfn)
{
}
