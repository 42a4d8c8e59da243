/*
 * Walks a pkram memory file with the kernel's v3 struct definitions (mm/pkram.c of the
 * "[RFC v3 00/21] Preserved-over-Kexec RAM" series), as a kernel given pkram=<pfn> would read it:
 * super block -> nodes -> objects -> links -> pages, then the regions list.
 *
 * Usage: pkram_walk FILE HEXPFN
 * Prints one line per node: "node NAME objs=N folios=N pages=N bytes=N sum=HEX", where sum adds the
 * first 8 bytes of every folio page and of every byte-stream page; then "regions=N pages=N".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PKRAM_MAGIC 0x706B726D
#define PKRAM_NAME_MAX 256

typedef __u64 pkram_entry_t;

#define PKRAM_ENTRY_ORDER_MASK 0x1f

struct pkram_super_block {
	__u32 magic;
	__u64 node_pfn;
	__u64 region_list_pfn;
	__u64 nr_regions;
};

struct pkram_node {
	__u32 flags;
	__u64 obj_pfn;
	__u64 node_pfn;
	__u8 name[PKRAM_NAME_MAX];
};

struct pkram_obj {
	__u64 folios_head_link_pfn;
	__u64 folios_tail_link_pfn;
	__u64 bytes_head_link_pfn;
	__u64 bytes_tail_link_pfn;
	__u64 data_len;
	__u64 obj_pfn;
};

struct pkram_link {
	__u64 link_pfn;
	__u64 index;
	pkram_entry_t entry[];
};

#define PKRAM_LINK_ENTRIES_MAX ((PAGE_SIZE - sizeof(struct pkram_link)) / sizeof(pkram_entry_t))

struct pkram_region {
	uint64_t base;
	uint64_t size;
};

struct pkram_region_list {
	__u64 prev_pfn;
	__u64 next_pfn;
	struct pkram_region regions[];
};

#define PKRAM_REGIONS_LIST_MAX \
	((PAGE_SIZE - sizeof(struct pkram_region_list)) / sizeof(struct pkram_region))

static unsigned char *base;
static size_t length;

static void *pfn_to_virt(__u64 pfn)
{
	if (pfn == 0 || (pfn << PAGE_SHIFT) >= length) {
		fprintf(stderr, "pfn out of range: %llx\n", (unsigned long long)pfn);
		exit(3);
	}
	return base + (pfn << PAGE_SHIFT);
}

static void walk_links(__u64 link_pfn, unsigned long *entries, unsigned long *pages, __u64 *sum)
{
	while (link_pfn) {
		struct pkram_link *link = pfn_to_virt(link_pfn);
		for (unsigned long i = 0; i < PKRAM_LINK_ENTRIES_MAX && link->entry[i]; i++) {
			pkram_entry_t p = link->entry[i];
			__u64 pfn = p >> PAGE_SHIFT;
			int order = p & PKRAM_ENTRY_ORDER_MASK;
			for (unsigned long k = 0; k < (1UL << order); k++)
				*sum += *(__u64 *)pfn_to_virt(pfn + k);
			*entries += 1;
			*pages += 1UL << order;
		}
		link_pfn = link->link_pfn;
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: pkram_walk FILE HEXPFN\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 2;
	}
	length = st.st_size;
	base = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	_Static_assert(sizeof(struct pkram_super_block) == 32, "super block");
	_Static_assert(sizeof(struct pkram_node) == 280, "node");
	_Static_assert(sizeof(struct pkram_obj) == 48, "obj");
	_Static_assert(PKRAM_LINK_ENTRIES_MAX == 510, "link");
	_Static_assert(PKRAM_REGIONS_LIST_MAX == 255, "regions");

	struct pkram_super_block *sb = pfn_to_virt(strtoull(argv[2], NULL, 16));
	if (sb->magic != PKRAM_MAGIC) {
		printf("invalid super block\n");
		return 1;
	}
	for (__u64 node_pfn = sb->node_pfn; node_pfn;) {
		struct pkram_node *node = pfn_to_virt(node_pfn);
		unsigned long objs = 0, folios = 0, pages = 0, byte_entries = 0, byte_pages = 0;
		__u64 sum = 0, bytes = 0;
		for (__u64 obj_pfn = node->obj_pfn; obj_pfn;) {
			struct pkram_obj *obj = pfn_to_virt(obj_pfn);
			objs++;
			walk_links(obj->folios_head_link_pfn, &folios, &pages, &sum);
			walk_links(obj->bytes_head_link_pfn, &byte_entries, &byte_pages, &sum);
			bytes += obj->data_len;
			obj_pfn = obj->obj_pfn;
		}
		printf("node %s objs=%lu folios=%lu pages=%lu bytes=%llu sum=%llx\n", (char *)node->name, objs,
		       folios, pages, (unsigned long long)bytes, (unsigned long long)sum);
		node_pfn = node->node_pfn;
	}
	unsigned long n = 0, region_pages = 0;
	for (__u64 list_pfn = sb->region_list_pfn; list_pfn && n < sb->nr_regions;) {
		struct pkram_region_list *list = pfn_to_virt(list_pfn);
		for (unsigned long i = 0; i < PKRAM_REGIONS_LIST_MAX && n < sb->nr_regions; i++, n++) {
			if (list->regions[i].size == 0)
				break;
			region_pages += list->regions[i].size >> PAGE_SHIFT;
		}
		list_pfn = list->next_pfn;
	}
	printf("regions=%lu pages=%lu\n", n, region_pages);
	return 0;
}
