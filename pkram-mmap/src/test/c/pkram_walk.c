/*
 * Walks a pkram memory file with the kernel's v3 struct definitions (mm/pkram.c of the
 * "[RFC v3 00/21] Preserved-over-Kexec RAM" series), as a kernel given pkram=<pfn> would read it:
 * super block -> nodes -> objects -> links -> pages, then the regions list. It judges nothing
 * but what it must to walk safely; it prints every field of every struct it reads, and a digest
 * of the data, for the Java test to compare with its own record of what was saved.
 *
 * Usage:
 *   pkram_walk FILE HEXPFN
 *	Walk the image and print it (format below). Exit 0 after a walk, 1 when the magic is
 *	not PKRAM_MAGIC ("invalid super block", as pkram_reserve() refuses it), 3 on a pfn out
 *	of range or a chain longer than the file has pages.
 *   pkram_walk --write-kernel-sb FILE HEXPFN
 *	Rewrite the super block at HEXPFN from the kernel struct alone, as __pkram_reboot()
 *	does: read node_pfn, region_list_pfn and nr_regions through struct pkram_super_block,
 *	memset the page to zero, store the three fields, then the magic. Every byte the kernel
 *	does not know (pkram's fields after byte 31) ends up zero.
 *
 * Output, one line each, numbers in lower-case hex without 0x, in walk order:
 *   sb pfn= magic= pad= node_pfn= region_list_pfn= nr_regions=
 *   node pfn= flags= pad= obj_pfn= node_pfn= name_tail= rest= name=NAME
 *	pad: bytes 4..7; name_tail: non-zero bytes of name[] after the NUL (name[] holds no NUL:
 *	"name_tail=nonul"); rest: non-zero bytes 280..4095. NAME is the raw bytes up to the NUL.
 *   obj pfn= folios_head= folios_tail= bytes_head= bytes_tail= data_len= obj_pfn= rest=
 *	rest: non-zero bytes 48..4095.
 *   link pfn= kind=folios|bytes link_pfn= index= entries= stray=
 *	entries: entries before the first zero one (at most 510); stray: non-zero entries
 *	after it.
 *   entry pfn= order= flags= fnv=
 *	fnv: 64-bit FNV-1a of the whole folio, 4096 << order bytes (folio streams only; "-"
 *	in a byte stream, whose data is digested as a whole below).
 *   bytes pages= len= fnv= tail=
 *	After an object's byte links: pages in the stream, data_len, FNV-1a of the first
 *	data_len bytes of the stream's pages in order, and the non-zero bytes after data_len in
 *	those pages (the kernel's data pages are zeroed, so 0). Printed for every object.
 *   regions pfn= prev_pfn= next_pfn= used= rest=
 *	One per list page along next_pfn; used: regions before the first size 0 one; rest:
 *	non-zero bytes after them.
 *   region base= size=
 *   end
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
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

#define PKRAM_ENTRY_FLAGS_SHIFT 0x5
#define PKRAM_ENTRY_FLAGS_MASK 0x7f
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

typedef __u64 phys_addr_t;

struct pkram_region {
	phys_addr_t base;
	phys_addr_t size;
};

struct pkram_region_list {
	__u64 prev_pfn;
	__u64 next_pfn;
	struct pkram_region regions[];
};

#define PKRAM_REGIONS_LIST_MAX \
	((PAGE_SIZE - sizeof(struct pkram_region_list)) / sizeof(struct pkram_region))

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static unsigned char *base;
static size_t length;
static unsigned long long nr_pages;

static void *pfn_to_virt(__u64 pfn)
{
	if (pfn == 0 || pfn >= nr_pages) {
		fprintf(stderr, "pfn out of range: %llx\n", (unsigned long long)pfn);
		exit(3);
	}
	return base + (pfn << PAGE_SHIFT);
}

/* A chain may not be longer than the file has pages: a cycle ends the walk. */
static void step(unsigned long long *steps, const char *what)
{
	if (++*steps > nr_pages) {
		fprintf(stderr, "%s chain longer than the file: a cycle\n", what);
		exit(3);
	}
}

static __u64 fnv1a(__u64 h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

static unsigned long nonzero(const unsigned char *p, size_t from, size_t to)
{
	unsigned long n = 0;

	for (size_t i = from; i < to; i++)
		n += p[i] != 0;
	return n;
}

static unsigned long long hex(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 16);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "not a hex pfn: %s\n", s);
		exit(2);
	}
	return v;
}

struct byte_stream {
	__u64 remaining;	/* of data_len, not yet digested */
	__u64 hash;
	unsigned long long pages;
	unsigned long tail;	/* non-zero bytes after data_len */
};

static void byte_page(struct byte_stream *bs, const unsigned char *page)
{
	size_t n = bs->remaining < PAGE_SIZE ? bs->remaining : PAGE_SIZE;

	bs->hash = fnv1a(bs->hash, page, n);
	bs->tail += nonzero(page, n, PAGE_SIZE);
	bs->remaining -= n;
	bs->pages++;
}

static void walk_links(__u64 link_pfn, int folios, struct byte_stream *bs)
{
	unsigned long long steps = 0;

	while (link_pfn) {
		struct pkram_link *link = pfn_to_virt(link_pfn);
		unsigned long n = 0, stray = 0;

		step(&steps, "link");
		while (n < PKRAM_LINK_ENTRIES_MAX && link->entry[n])
			n++;
		for (unsigned long i = n; i < PKRAM_LINK_ENTRIES_MAX; i++)
			stray += link->entry[i] != 0;
		printf("link pfn=%llx kind=%s link_pfn=%llx index=%llx entries=%lx stray=%lx\n",
		       (unsigned long long)link_pfn, folios ? "folios" : "bytes",
		       (unsigned long long)link->link_pfn, (unsigned long long)link->index, n, stray);
		for (unsigned long i = 0; i < n; i++) {
			pkram_entry_t p = link->entry[i];
			__u64 pfn = p >> PAGE_SHIFT;
			int order = p & PKRAM_ENTRY_ORDER_MASK;
			int flags = (p >> PKRAM_ENTRY_FLAGS_SHIFT) & PKRAM_ENTRY_FLAGS_MASK;

			if (pfn + (1ULL << order) > nr_pages) {
				fprintf(stderr, "entry out of range: %llx\n", (unsigned long long)p);
				exit(3);
			}
			if (folios) {
				/* pfn_to_virt() checked the first page, the test above the last. */
				unsigned char *data = pfn_to_virt(pfn);

				printf("entry pfn=%llx order=%x flags=%x fnv=%016llx\n",
				       (unsigned long long)pfn, order, flags,
				       (unsigned long long)fnv1a(FNV_OFFSET, data, PAGE_SIZE << order));
			} else {
				printf("entry pfn=%llx order=%x flags=%x fnv=-\n",
				       (unsigned long long)pfn, order, flags);
				for (unsigned long k = 0; k < (1UL << order); k++)
					byte_page(bs, pfn_to_virt(pfn + k));
			}
		}
		link_pfn = link->link_pfn;
	}
}

static void walk_obj(__u64 obj_pfn)
{
	struct pkram_obj *obj = pfn_to_virt(obj_pfn);
	struct byte_stream bs = { .remaining = obj->data_len, .hash = FNV_OFFSET };

	printf("obj pfn=%llx folios_head=%llx folios_tail=%llx bytes_head=%llx bytes_tail=%llx "
	       "data_len=%llx obj_pfn=%llx rest=%lx\n",
	       (unsigned long long)obj_pfn, (unsigned long long)obj->folios_head_link_pfn,
	       (unsigned long long)obj->folios_tail_link_pfn,
	       (unsigned long long)obj->bytes_head_link_pfn,
	       (unsigned long long)obj->bytes_tail_link_pfn, (unsigned long long)obj->data_len,
	       (unsigned long long)obj->obj_pfn,
	       nonzero((unsigned char *)obj, sizeof(*obj), PAGE_SIZE));
	walk_links(obj->folios_head_link_pfn, 1, NULL);
	walk_links(obj->bytes_head_link_pfn, 0, &bs);
	printf("bytes pages=%llx len=%llx fnv=%016llx tail=%lx\n", bs.pages,
	       (unsigned long long)obj->data_len, (unsigned long long)bs.hash, bs.tail);
}

static void walk_node(__u64 node_pfn)
{
	struct pkram_node *node = pfn_to_virt(node_pfn);
	unsigned char *page = (unsigned char *)node;
	size_t len = strnlen((char *)node->name, PKRAM_NAME_MAX);
	unsigned long long steps = 0;
	char tail[24];

	if (len == PKRAM_NAME_MAX)
		snprintf(tail, sizeof(tail), "nonul");
	else
		snprintf(tail, sizeof(tail), "%lx",
			 nonzero(node->name, len + 1, PKRAM_NAME_MAX));
	printf("node pfn=%llx flags=%x pad=%lx obj_pfn=%llx node_pfn=%llx name_tail=%s rest=%lx name=%.*s\n",
	       (unsigned long long)node_pfn, node->flags,
	       nonzero(page, sizeof(node->flags), offsetof(struct pkram_node, obj_pfn)),
	       (unsigned long long)node->obj_pfn, (unsigned long long)node->node_pfn, tail,
	       nonzero(page, sizeof(*node), PAGE_SIZE), (int)len, (char *)node->name);
	for (__u64 obj_pfn = node->obj_pfn; obj_pfn;) {
		step(&steps, "obj");
		walk_obj(obj_pfn);
		obj_pfn = ((struct pkram_obj *)pfn_to_virt(obj_pfn))->obj_pfn;
	}
}

static void walk_regions(__u64 list_pfn)
{
	unsigned long long steps = 0;

	while (list_pfn) {
		struct pkram_region_list *list = pfn_to_virt(list_pfn);
		unsigned long n = 0;

		step(&steps, "regions list");
		while (n < PKRAM_REGIONS_LIST_MAX && list->regions[n].size)
			n++;
		printf("regions pfn=%llx prev_pfn=%llx next_pfn=%llx used=%lx rest=%lx\n",
		       (unsigned long long)list_pfn, (unsigned long long)list->prev_pfn,
		       (unsigned long long)list->next_pfn, n,
		       nonzero((unsigned char *)&list->regions[n], 0,
			       (PKRAM_REGIONS_LIST_MAX - n) * sizeof(struct pkram_region)));
		for (unsigned long i = 0; i < n; i++)
			printf("region base=%llx size=%llx\n",
			       (unsigned long long)list->regions[i].base,
			       (unsigned long long)list->regions[i].size);
		list_pfn = list->next_pfn;
	}
}

static int walk(__u64 sb_pfn)
{
	struct pkram_super_block *sb = pfn_to_virt(sb_pfn);
	unsigned long long steps = 0;

	if (sb->magic != PKRAM_MAGIC) {
		printf("invalid super block\n");
		return 1;
	}
	printf("sb pfn=%llx magic=%x pad=%lx node_pfn=%llx region_list_pfn=%llx nr_regions=%llx\n",
	       (unsigned long long)sb_pfn, sb->magic,
	       nonzero((unsigned char *)sb, sizeof(sb->magic),
		       offsetof(struct pkram_super_block, node_pfn)),
	       (unsigned long long)sb->node_pfn, (unsigned long long)sb->region_list_pfn,
	       (unsigned long long)sb->nr_regions);
	for (__u64 node_pfn = sb->node_pfn; node_pfn;) {
		step(&steps, "node");
		walk_node(node_pfn);
		node_pfn = ((struct pkram_node *)pfn_to_virt(node_pfn))->node_pfn;
	}
	walk_regions(sb->region_list_pfn);
	printf("end\n");
	return 0;
}

/* __pkram_reboot(): memset(pkram_sb, 0, PAGE_SIZE), then the fields, the magic last. */
static int write_kernel_sb(__u64 sb_pfn)
{
	struct pkram_super_block *sb = pfn_to_virt(sb_pfn);
	__u64 node_pfn = sb->node_pfn;
	__u64 region_list_pfn = sb->region_list_pfn;
	__u64 nr_regions = sb->nr_regions;

	memset(sb, 0, PAGE_SIZE);
	sb->node_pfn = node_pfn;
	sb->region_list_pfn = region_list_pfn;
	sb->nr_regions = nr_regions;
	__atomic_store_n(&sb->magic, PKRAM_MAGIC, __ATOMIC_RELEASE);
	if (msync(base, length, MS_SYNC) < 0) {
		perror("msync");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int writing = argc == 4 && strcmp(argv[1], "--write-kernel-sb") == 0;
	const char *file = argv[writing ? 2 : 1];
	struct stat st;
	int fd;

	if (argc != 3 && !writing) {
		fprintf(stderr, "usage: pkram_walk [--write-kernel-sb] FILE HEXPFN\n");
		return 2;
	}
	_Static_assert(sizeof(struct pkram_super_block) == 32, "super block");
	_Static_assert(sizeof(struct pkram_node) == 280, "node");
	_Static_assert(sizeof(struct pkram_obj) == 48, "obj");
	_Static_assert(sizeof(struct pkram_link) == 16, "link");
	_Static_assert(PKRAM_LINK_ENTRIES_MAX == 510, "link entries");
	_Static_assert(sizeof(struct pkram_region) == 16, "region");
	_Static_assert(PKRAM_REGIONS_LIST_MAX == 255, "regions");

	fd = open(file, writing ? O_RDWR : O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(file);
		return 2;
	}
	length = st.st_size;
	nr_pages = length >> PAGE_SHIFT;
	base = mmap(NULL, length, writing ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	if (writing)
		return write_kernel_sb(hex(argv[3]));
	return walk(hex(argv[2]));
}
